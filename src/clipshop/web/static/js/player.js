// HLS playback: the browser's own player when it has one (Safari, recent Chrome), otherwise the vendored hls.js.

const HLS_TYPE = "application/vnd.apple.mpegurl";
const HLS_SCRIPT = "/static/vendor/hls/hls.min.js";
const players = new WeakMap();
let hlsLoading = null;

export function nativeHls() {
  return document.createElement("video").canPlayType(HLS_TYPE) !== "";
}

function loadHlsJs() {
  if (window.Hls) return Promise.resolve(window.Hls);
  hlsLoading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = HLS_SCRIPT;
    script.async = true;
    script.onload = () => (window.Hls ? resolve(window.Hls) : reject(new Error("hls.js did not load")));
    script.onerror = () => {
      hlsLoading = null;
      reject(new Error("hls.js could not be fetched"));
    };
    document.head.append(script);
  });
  return hlsLoading;
}

/** Point `video` at an HLS master playlist; resolves once the source is set (not when it plays). */
export async function attach(video, url) {
  const current = players.get(video);
  if (current && current.url === url) return current.ready;
  detach(video);
  const entry = { url, hls: null, ready: null };
  players.set(video, entry);
  entry.ready = (async () => {
    if (nativeHls()) {
      video.src = url;
      return;
    }
    const Hls = await loadHlsJs();
    if (players.get(video) !== entry) return; // detached while hls.js was loading
    if (!Hls.isSupported()) {
      video.src = url; // last resort: maybe the browser can after all
      return;
    }
    const hls = new Hls({ capLevelToPlayerSize: true, maxBufferLength: 12, backBufferLength: 10, startLevel: -1 });
    entry.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
      else detach(video);
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  })();
  return entry.ready;
}

/** Stop loading and free the decoder; the poster shows again. */
export function detach(video) {
  const entry = players.get(video);
  if (!entry) return;
  players.delete(video);
  if (entry.hls) entry.hls.destroy();
  video.pause();
  video.removeAttribute("src");
  video.load();
}

export function isAttached(video) {
  return players.has(video);
}

export function engineOf(video) {
  const entry = players.get(video);
  if (!entry) return "none";
  return entry.hls ? "hls.js" : "native";
}
