// How the pages word moderation's decisions and appeal states for the person they are about (the appeals
// page, and the suspension panel of the log-in page).

export const DECISION_WORDS = {
  take_down: "taken down",
  suspend_account: "account suspended",
  age_restrict: "restricted to adults",
  remove_from_recommendations: "removed from recommendations",
  reject: "rejected by ad review",
};

export const APPEAL_STATES = {
  pending: "Your appeal is waiting for a moderator.",
  upheld: "Your appeal was turned down: the decision stands.",
  overturned: "Your appeal succeeded: the decision was overturned.",
};
