// ddbchat page's service worker: the page's own files (and nothing else) from the network
// first, from the copy kept at their last load when the network fails.  So a reload while
// the browser is offline shows the page (its sign-in view saying so, trying again by
// itself, what was not sent yet kept) instead of the browser's error page, which dropped
// the page and left its unsent messages waiting for the next load
// (test_web.py::test_a_reload_while_offline_keeps_the_page).  The API, the event stream and
// every other request pass through untouched (never cached: they hold the user's data, and
// the API answers no-store); the kept files hold nothing of any user.
'use strict';

const CACHE = 'ddbchat-page-2';
const PAGE = ['/', '/app.js', '/app.css', '/favicon.svg', '/bell.svg'];

// The API and the event stream skip the worker altogether where the browser has static
// routing (Chromium's InstallEvent.addRoutes): else the fetch handler, though it lets them
// through, has the browser start the worker (stopped after ~30 s idle) before they leave,
// ~10 ms a first send after a pause in headless Chromium on a desktop, more on a phone.
// Where it has none they pass through the handler below as before.
function apiToNetwork(ev) {
  if (typeof ev.addRoutes !== 'function' || typeof URLPattern !== 'function') {
    return Promise.resolve();
  }
  try {
    return Promise.resolve(ev.addRoutes({
      condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) }, source: 'network',
    })).catch(() => {});
  } catch (e) {
    return Promise.resolve(); // an older form of the call: the handler lets them through
  }
}

self.addEventListener('install', (ev) => {
  ev.waitUntil(Promise.all([apiToNetwork(ev), caches.open(CACHE).then((c) => c.addAll(PAGE))])
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  const url = new URL(req.url);
  const path = url.pathname === '/index.html' ? '/' : url.pathname;
  if (req.method !== 'GET' || url.origin !== self.location.origin || !PAGE.includes(path)) {
    return; // the browser's own fetch
  }
  ev.respondWith(fetch(req).then((res) => {
    if (res.ok) {
      const copy = res.clone();
      const kept = caches.open(CACHE).then((c) => c.put(path, copy)).catch(() => {});
      try { ev.waitUntil(kept); } catch (e) { /* the event is over: the put goes on anyway */ }
    }
    return res;
  }, () => caches.match(path).then((res) => res || Response.error())));
});
