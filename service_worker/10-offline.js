// Offline: the app shell and every public page of the reader's language are kept; public
// pages are served from the cache and refreshed behind (stale-while-revalidate); private
// pages come from the network and fall back to the last copy, marked with its age.
// A hand-written worker: the server already knows every address and its hash, so
// Workbox's build step would add a toolchain without removing any code.

const SHELL_CACHE = "shell-" + VERSION;
const PUBLIC_CACHE = "public-" + VERSION;
const PRIVATE_CACHE = "private";  // one, never versioned: deleted at sign-in, sign-out, exit
// Share packs someone opened: kept across versions, since the pack was given to them.
const PACKS_CACHE = "packs";
const PACK_PAGE = /^\/[a-z]{2,3}\/share\/([a-z0-9]+)$/;
const SHORT_LINK = /^\/s\/([a-z0-9]+)$/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)));
  // A new version waits until the page says the reader is ready ("refresh" on the banner).
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(
      names
        .filter((name) => name !== PRIVATE_CACHE && name !== PACKS_CACHE && !name.endsWith(VERSION))
        .map((name) => caches.delete(name)),
    )).then(() => self.clients.claim()),
  );
});

async function precacheLocale(locale) {
  const pages = PAGES[locale] || [];
  const cache = await caches.open(PUBLIC_CACHE);
  const have = new Set((await cache.keys()).map((request) => new URL(request.url).pathname));
  for (const page of pages) {
    if (have.has(page)) continue;
    try {
      const response = await fetch(page, { credentials: "omit" });
      if (response.ok) await cache.put(page, response);
    } catch (error) {
      return false;  // offline part way: the rest next time
    }
  }
  return true;
}

async function deletePrivate() {
  await caches.delete(PRIVATE_CACHE);
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "precache") {
    event.waitUntil(precacheLocale(data.locale).then((done) => {
      if (event.source) event.source.postMessage({ type: "precached", locale: data.locale, done });
    }));
  } else if (data.type === "signed-out" || data.type === "signed-in" || data.type === "quick-exit") {
    // Leaving quickly also forgets share packs: their titles can say what someone fears.
    const packs = data.type === "quick-exit" ? caches.delete(PACKS_CACHE) : Promise.resolve();
    event.waitUntil(Promise.all([deletePrivate(), packs]).then(() => {
      if (event.source) event.source.postMessage({ type: "private-cleared" });
    }));
  } else if (data.type === "keep-pack" && PACK_PAGE.test(data.path || "")) {
    event.waitUntil(keepPack(data.path).then(() => {
      if (event.source) event.source.postMessage({ type: "pack-kept", path: data.path });
    }));
  } else if (data.type === "skip-waiting") {
    self.skipWaiting();
  }
});

function isPrivate(path) {
  return PRIVATE_PREFIXES.some((prefix) => path === prefix || path.startsWith(prefix + "/"));
}

// A cached private page says when it was saved, so the page can show its age offline.
async function withSavedAt(response, savedAt) {
  const html = await response.text();
  const marked = html.replace("<html ", `<html data-saved-at="${savedAt}" `);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  headers.delete("content-encoding");
  return new Response(marked, { status: response.status, headers });
}

async function networkFirstPrivate(request) {
  const cache = await caches.open(PRIVATE_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.headers.get("content-type", "").includes("text/html")) {
      const copy = await withSavedAt(response.clone(), new Date().toISOString());
      await cache.put(request, copy);
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    return cached || offlinePage();
  }
}

async function staleWhileRevalidate(request, event) {
  const cache = await caches.open(PUBLIC_CACHE);
  const cached = await cache.match(request, { ignoreVary: true });
  const refresh = fetch(request).then((response) => {
    // Only what the server marks public: never a page with a form token or a person's data.
    const storable = (response.headers.get("cache-control") || "").includes("public");
    if (response.ok && storable && !response.headers.get("set-cookie")) {
      cache.put(request, response.clone());
    }
    return response;
  });
  if (cached) {
    event.waitUntil(refresh.catch(() => undefined));
    return cached;
  }
  return refresh.catch(() => offlinePage());
}

function keepable(response) {
  // A pack's page is public; 410 is a withdrawn pack saying so, which replaces the old copy.
  const isPublic = (response.headers.get("cache-control") || "").includes("public");
  return (response.ok || response.status === 410) && isPublic && !response.headers.get("set-cookie");
}

async function keepPack(path) {
  try {
    const response = await fetch(path, { credentials: "omit" });
    if (keepable(response)) await (await caches.open(PACKS_CACHE)).put(path, response);
  } catch (error) {
    // Offline already: the copy kept before, if any, stays.
  }
}

async function keptPack(code) {
  const cache = await caches.open(PACKS_CACHE);
  for (const request of await cache.keys()) {
    const match = PACK_PAGE.exec(new URL(request.url).pathname);
    if (match && match[1] === code) return cache.match(request);
  }
  return undefined;
}

// A pack (or its short link, which redirects to it): the network, kept; offline, the copy.
async function networkFirstPack(request, code) {
  try {
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    if (PACK_PAGE.test(path) && keepable(response)) {
      await (await caches.open(PACKS_CACHE)).put(path, response.clone());
    }
    return response;
  } catch (error) {
    return (await keptPack(code)) || offlinePage();
  }
}

async function offlinePage() {
  return (await caches.match("/offline")) || new Response("Offline", { status: 503 });
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && /\/(sign-in|sign-up)(\/|$)/.test(url.pathname)) {
    event.waitUntil(deletePrivate());  // someone new may be signing in on this device
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (url.pathname.startsWith("/api/") || url.pathname.endsWith(".ics") || url.pathname === "/sw.js") return;
  if (request.headers.get("hx-request") === "true") return;  // fragments: network only
  const pack = PACK_PAGE.exec(url.pathname) || SHORT_LINK.exec(url.pathname);
  if (pack) {
    event.respondWith(networkFirstPack(request, pack[1]));
    return;
  }
  if (isPrivate(url.pathname)) {
    event.respondWith(networkFirstPrivate(request));
  } else if (request.mode === "navigate" || (PAGES[url.pathname.split("/")[1]] || []).includes(url.pathname)) {
    event.respondWith(staleWhileRevalidate(request, event));
  }
});
