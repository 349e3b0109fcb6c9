// A tus 1.0 client (core + creation) for the API's resumable uploads: chunks of ~5 MiB, byte-level progress,
// and on a dropped connection it asks the server for the offset (HEAD) and carries on from there.

import { ApiError } from "./api.js";

const TUS = { "Tus-Resumable": "1.0.0" };
export const CHUNK_BYTES = 5 * 1024 * 1024;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const MAX_FAILURES = 40; // about ten minutes of retrying

const remembered = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null; // storage disabled: uploads still resume within this page
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* as above */
    }
  },
  forget(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      /* as above */
    }
  },
};

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function parseProblem(text, status) {
  try {
    return JSON.parse(text);
  } catch {
    return { detail: `The server answered ${status}; try again in a moment.` };
  }
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fingerprint for picking an upload up again after a reload: same file, same size, same modification time. */
function storageKey(file) {
  return `clipshop.tus:${file.name}:${file.size}:${file.lastModified}`;
}

function send(method, url, { headers = {}, body = null, onProgress } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    for (const [key, value] of Object.entries({ ...TUS, ...headers })) xhr.setRequestHeader(key, value);
    if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new TypeError("network error"));
    xhr.ontimeout = () => reject(new TypeError("timeout"));
    xhr.onabort = () => reject(new DOMException("aborted", "AbortError"));
    xhr.send(body);
  });
}

export class TusUpload {
  constructor(file, { chunkBytes = CHUNK_BYTES, onProgress = () => {}, onRetry = () => {} } = {}) {
    this.file = file;
    this.chunkBytes = chunkBytes;
    this.onProgress = onProgress;
    this.onRetry = onRetry;
    this.url = null;
    this.offset = 0;
    this.resumed = false;
  }

  /** Send the whole file; resolves with the upload id. */
  async start() {
    await this.open();
    let failures = 0;
    while (this.offset < this.file.size) {
      try {
        await this.sendChunk();
        failures = 0;
      } catch (error) {
        if (error instanceof ApiError && error.code === "upload_closed" && this.resumed) {
          // The remembered upload ended (failed, or done long ago): send the file afresh.
          this.resumed = false;
          await this.create();
          continue;
        }
        if (error instanceof ApiError) throw error;
        if (failures >= MAX_FAILURES) {
          throw new ApiError(0, { code: "network", detail: "The connection keeps dropping; try again later to resume." });
        }
        // A network error: the server kept what arrived. Wait, ask where to resume, go on.
        const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
        failures += 1;
        this.onRetry({ attempt: failures, delay });
        await wait(delay);
        await this.resync().catch(() => {});
      }
    }
    remembered.forget(storageKey(this.file));
    return this.url.split("/").pop();
  }

  async open() {
    const previous = remembered.get(storageKey(this.file));
    if (previous) {
      this.url = previous;
      try {
        await this.resync();
        this.resumed = true;
        return;
      } catch {
        remembered.forget(storageKey(this.file));
      }
    }
    await this.create();
  }

  async create() {
    const xhr = await send("POST", "/api/v1/uploads", {
      headers: { "Upload-Length": String(this.file.size), "Upload-Metadata": `filename ${base64(this.file.name)}` },
    });
    if (xhr.status !== 201) throw new ApiError(xhr.status, parseProblem(xhr.responseText, xhr.status));
    this.url = xhr.getResponseHeader("Location") || JSON.parse(xhr.responseText).url;
    this.offset = 0;
    remembered.set(storageKey(this.file), this.url);
  }

  /** Ask the server how many bytes it has (HEAD); fails when the upload is gone or another file's. */
  async resync() {
    const xhr = await send("HEAD", this.url, { headers: { "Cache-Control": "no-store" } });
    if (xhr.status !== 200) throw new ApiError(xhr.status, { detail: "The upload could not be resumed; start again." });
    if (Number(xhr.getResponseHeader("Upload-Length")) !== this.file.size) {
      throw new ApiError(409, { detail: "The upload on the server is of another file; start again." });
    }
    this.offset = Number(xhr.getResponseHeader("Upload-Offset"));
    this.onProgress(this.offset, this.file.size);
  }

  async sendChunk() {
    const start = this.offset;
    const chunk = this.file.slice(start, Math.min(start + this.chunkBytes, this.file.size));
    const xhr = await send("PATCH", this.url, {
      headers: { "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" },
      body: chunk,
      onProgress: (loaded) => this.onProgress(start + loaded, this.file.size),
    });
    if (xhr.status === 204) {
      this.offset = Number(xhr.getResponseHeader("Upload-Offset"));
      this.onProgress(this.offset, this.file.size);
      return;
    }
    const problem = parseProblem(xhr.responseText, xhr.status);
    if (xhr.status === 409 && problem.code === "offset_mismatch") {
      this.offset = Number(problem.expected_offset ?? this.offset);
      return;
    }
    if (xhr.status >= 500 || (xhr.status === 409 && problem.code === "upload_busy")) {
      throw new TypeError(`retryable ${xhr.status}`);
    }
    remembered.forget(storageKey(this.file));
    throw new ApiError(xhr.status, problem);
  }
}
