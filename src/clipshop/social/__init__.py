"""Social: follows, likes, comments, shares and watch events, each kept in the actor's home region."""
