// The upload page: pick a file, send it with tus, create the video, follow its transcoding, list my videos.

import { api, ApiError } from "./api.js";
import { TusUpload } from "./tus.js";
import { el, formatBytes, icon, timeAgo, toast } from "./ui.js";

const page = document.getElementById("upload-page");
const form = document.getElementById("upload-form");
const input = document.getElementById("upload-file");
const caption = document.getElementById("upload-caption");
const submit = document.getElementById("upload-submit");
const dropzone = document.getElementById("dropzone");
const formError = form.querySelector("[data-upload-error]");
const card = document.getElementById("upload-progress");
const q = (name) => card.querySelector(`[data-${name}]`);
const maxBytes = Number(page.dataset.maxBytes);
const VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|webm|mkv|avi|3gp)$/i;
const POLL_MS = 1000;

let file = null;
let busy = false;

page.querySelector("[data-max-size]").textContent = formatBytes(maxBytes);

function pick(candidate) {
  formError.hidden = true;
  if (!candidate) return;
  if (!(candidate.type.startsWith("video/") || VIDEO_EXTENSIONS.test(candidate.name))) {
    showFormError("That is not a video file: choose an MP4, MOV, WebM or MKV video.");
    return;
  }
  if (candidate.size > maxBytes) {
    showFormError(`That file is ${formatBytes(candidate.size)}; the limit is ${formatBytes(maxBytes)}.`);
    return;
  }
  file = candidate;
  dropzone.classList.add("has-file");
  dropzone.querySelector("[data-file-name]").textContent = file.name;
  dropzone.querySelector("[data-file-meta]").textContent = `${formatBytes(file.size)} · click to choose another`;
  submit.disabled = busy;
  if (!caption.value) caption.focus();
}

function showFormError(message) {
  formError.textContent = message;
  formError.hidden = false;
}

input.addEventListener("change", () => pick(input.files[0]));
for (const kind of ["dragenter", "dragover"]) {
  dropzone.addEventListener(kind, (event) => {
    event.preventDefault();
    dropzone.classList.add("is-over");
  });
}
for (const kind of ["dragleave", "drop"]) dropzone.addEventListener(kind, () => dropzone.classList.remove("is-over"));
dropzone.addEventListener("drop", (event) => {
  event.preventDefault();
  pick(event.dataTransfer.files[0]);
});
caption.addEventListener("input", () => {
  form.querySelector("[data-caption-count]").textContent = `${caption.value.length}/2200`;
});

function setBar(percent, label) {
  const value = Math.max(0, Math.min(100, percent));
  q("bar-fill").style.width = `${value}%`;
  q("bar").setAttribute("aria-valuenow", String(Math.round(value)));
  q("bar-label").textContent = label;
}

function setStage(title, chip, kind = chip) {
  q("stage").textContent = title;
  const node = q("stage-chip");
  node.textContent = chip;
  node.className = `chip chip-${kind}`;
}

const RENDITION_LABEL = {
  queued: () => "Queued",
  processing: (r) => `Processing ${Math.round(r.percent)}%`,
  ready: () => "Ready",
  failed: (r) => `Failed${r.error ? `: ${r.error}` : ""}`,
};

function renderStatus(video) {
  const list = q("renditions");
  list.replaceChildren(...video.renditions.map((r) => el("li.rendition", { dataset: { name: r.name, status: r.status } },
    el("span.r-name", {}, r.name), el("span.r-size.muted", {}, `${r.width}×${r.height}`),
    el("span.minibar", {}, el("span.minibar-fill", { style: `width:${r.status === "ready" ? 100 : r.percent}%` })),
    el(`span.chip.chip-${r.status}`, {}, (RENDITION_LABEL[r.status] || (() => r.status))(r)))));
  if (video.status === "ready") {
    setStage(video.published_at ? "Your video is live" : "Your video is ready", "ready");
    setBar(100, video.published_at ? "Processed and published. Anyone can watch it now." : "Processed.");
    q("watch").href = `/v/${video.id}`;
    q("done").hidden = false;
  } else if (video.status === "failed") {
    setStage("Processing failed", "failed");
    setBar(video.percent, video.error || "We could not process this video; try another file.");
    q("done").hidden = false;
    q("watch").hidden = true;
  } else {
    setStage("Processing…", `${Math.round(video.percent)}%`, "processing");
    setBar(video.percent, video.renditions.length ? "Making versions for every screen and connection." : "Waiting for a worker…");
  }
}

async function follow(videoId) {
  for (;;) {
    let video = null;
    try {
      video = await api(`/api/v1/videos/${videoId}/status`);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500) video = null;
      else throw error;
    }
    if (video) {
      renderStatus(video);
      if (video.status === "ready" || video.status === "failed") return video;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function leaveWarning(event) {
  event.preventDefault();
  event.returnValue = "";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!file || busy) return;
  busy = true;
  submit.disabled = true;
  formError.hidden = true;
  form.classList.add("is-locked");
  card.hidden = false;
  q("done").hidden = true;
  q("watch").hidden = false;
  q("renditions").replaceChildren();
  setStage("Uploading…", "uploading");
  setBar(0, `0 B of ${formatBytes(file.size)}`);
  window.addEventListener("beforeunload", leaveWarning);
  const upload = new TusUpload(file, {
    onProgress: (sent, total) => setBar((sent / total) * 100,
      `${formatBytes(sent)} of ${formatBytes(total)} · ${Math.floor((sent / total) * 100)}%`),
    onRetry: ({ delay }) => setStage(`Connection lost, resuming in ${Math.ceil(delay / 1000)} s…`, "retrying", "queued"),
  });
  try {
    const uploadId = await upload.start();
    window.removeEventListener("beforeunload", leaveWarning);
    setStage("Processing…", "0%", "processing");
    setBar(0, "Upload complete. Starting processing…");
    const video = await api("/api/v1/videos", { method: "POST", body: { upload_id: uploadId, caption: caption.value.trim() } });
    loadMine();
    renderStatus(video);
    await follow(video.id);
  } catch (error) {
    setStage("Upload failed", "failed");
    setBar(0, error.message);
    q("done").hidden = false;
    q("watch").hidden = true;
  } finally {
    window.removeEventListener("beforeunload", leaveWarning);
    busy = false;
    loadMine();
  }
});

q("again").addEventListener("click", () => {
  file = null;
  input.value = "";
  caption.value = "";
  caption.dispatchEvent(new Event("input"));
  dropzone.classList.remove("has-file");
  dropzone.querySelector("[data-file-name]").textContent = "Select video to upload";
  dropzone.querySelector("[data-file-meta]").textContent = "or drag and drop a file";
  form.classList.remove("is-locked");
  card.hidden = true;
  submit.disabled = true;
});

// My videos, refreshed while any of them is still processing.
const mine = document.getElementById("my-videos");
let mineTimer = 0;

function statusChip(video) {
  if (video.status === "ready") return el("span.chip.chip-ready", {}, video.published_at ? "Live" : "Ready");
  if (video.status === "failed") return el("span.chip.chip-failed", { title: video.error || "" }, "Failed");
  return el("span.chip.chip-processing", {}, `Processing ${Math.round(video.percent)}%`);
}

async function loadMine() {
  clearTimeout(mineTimer);
  let videos;
  try {
    videos = await api("/api/v1/videos/mine");
  } catch (error) {
    mine.replaceChildren(el("li.muted", {}, error.message));
    return;
  }
  if (videos.length === 0) {
    mine.replaceChildren(el("li.muted.my-empty", {}, "Nothing yet. Your uploads and their processing state show up here."));
    return;
  }
  mine.replaceChildren(...videos.map((video) => {
    const picture = video.thumb_url || video.poster_url;
    const thumb = picture ? el("img", { src: picture, alt: "", loading: "lazy" }) : el("span.thumb-blank", {}, icon("play"));
    const title = video.caption || "No caption";
    const link = video.status === "ready" && video.published_at;
    return el("li.my-video", { dataset: { id: video.id, status: video.status } },
      link ? el("a.my-thumb", { href: `/v/${video.id}`, "aria-label": `Watch ${title}` }, thumb) : el("span.my-thumb", {}, thumb),
      el("div.my-text", {},
        link ? el("a.my-title", { href: `/v/${video.id}` }, title) : el("span.my-title", {}, title),
        el("span.muted.my-meta", {}, `${timeAgo(video.created_at)}${video.duration_s ? ` · ${video.duration_s.toFixed(1)} s` : ""}${video.error ? ` · ${video.error}` : ""}`,
          link ? el("a.link.my-analytics", { href: `/studio/analytics?video=${encodeURIComponent(video.id)}` }, " · Analytics") : null)),
      statusChip(video));
  }));
  if (videos.some((video) => video.status === "processing")) mineTimer = setTimeout(loadMine, 3000);
}

loadMine().catch((error) => toast(error.message, { error: true }));
