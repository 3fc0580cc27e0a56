// ddbchat page: conversations (pattern B) beside the open conversation (pattern A) with a
// composer (pattern C), live delivery by Server-Sent Events.  Plain JS, no dependencies.
// Every text from the server is put in the page with textContent, never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'ddbchat.token';
  const OUTBOX_KEY = 'ddbchat.outbox'; // what was not sent yet, kept across a reload
  const DRAFTS_KEY = 'ddbchat.drafts'; // what is being typed, per conversation (saveDrafts)
  const MAX_CHARS = 1024; // the service's limit, in characters (code points)
  const PAGE_MESSAGES = 40;
  const PAGE_CONVERSATIONS = 20;
  const RETRY_MIN_MS = 1000;
  const RETRY_MAX_MS = 30000;
  const RETRY_AFTER_MAX_MS = 300000; // a proxy's maintenance Retry-After (a day) waits 5 min

  const $ = (id) => document.getElementById(id);
  const el = {};
  for (const id of ['notice', 'notice-text', 'notice-close', 'signin', 'signin-form', 'token',
    'signin-error', 'app', 'live', 'me', 'signout', 'list-pane', 'new-btn', 'new-form',
    'new-handle', 'new-cancel', 'conversations', 'list-empty', 'list-more', 'conv-pane',
    'conv-none', 'conv', 'back', 'conv-title', 'conv-handle', 'messages', 'composer', 'text',
    'count', 'send', 'announce', 'live-text', 'jump', 'name-btn', 'name-form', 'name-input',
    'name-save', 'name-cancel', 'notify-btn', 'notify-state', 'live-retry']) {
    el[id] = $(id);
  }

  const state = {
    token: null,
    me: null, // {uuid, handle, display_name}
    convs: new Map(), // message_group_uuid -> {uuid, display_name, handle, message, created_at, li}
    listCursor: null,
    listLoading: false,
    listLoaded: false,
    open: null, // {group, handle, display_name, cursor, loading, seen: Set}
    lastEventId: null,
    live: false,
    share: null, // {bc, abort, release, leader}: the stream shared with this user's other tabs
    es: null,
    esGen: 0,
    retryMs: RETRY_MIN_MS,
    retryTimer: null,
    streamOut: false, // the stream's last try failed for want of the server (no answer)
    noticeTimer: null,
    gen: 0, // one per sign-in: what a sign-out leaves running checks it
    heardAt: 0, // when the stream last said something (an event or its ping)
  };

  // ---- errors in words -------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message, retryAfterMs, ours) {
      super(message);
      this.status = status;
      this.code = code;
      this.retryAfterMs = retryAfterMs || 0; // the answer's Retry-After, 0 without one
      // the answer was ddbchat's own error ({"error": {"code": ...}}), not whatever stands
      // in front of it (a load balancer's 502/503/504 for a server it cannot reach)
      this.ours = !!ours;
    }
  }

  // A request the server has not answered in ANSWER_TIMEOUT_MS is given up (api).  The
  // server's own deadline answers a REST request within 20 s (503), so one past 30 s met
  // something that does not answer.  #composer data-timeout lowers it (for tests).
  const ANSWER_TIMEOUT_MS = 30000;
  const answerTimeoutMs = () => Number(el.composer.dataset.timeout) || ANSWER_TIMEOUT_MS;

  // ddbchat's own 401 ({"error": {"code": "unauthorized"}}, an expired or refused token): the
  // session is over.  A 401 without that body is not ddbchat's: an authenticating proxy in
  // front of it (basic auth, an SSO gateway whose cookie ran out) asking for its own sign-in,
  // which signing out of ddbchat cannot give it: the session stays, the request failed
  // (test_web.py::test_a_proxys_401_does_not_sign_out).
  const sessionEnded = (e) => e instanceof ApiError && e.status === 401 && e.ours;
  const PROXY_401 = 'something in front of the server (a proxy) asks you to sign in to it ' +
    '(401 without a ddbchat answer): reload the page to do so';

  // Retry-After (RFC 9110 10.2.3) in ms: seconds or an HTTP-date; 0 when absent or unreadable.
  function retryAfterMs(v) {
    if (!v) return 0;
    const ms = /^\s*\d+\s*$/.test(v) ? Number(v) * 1000 : Date.parse(v) - Date.now();
    return Number.isFinite(ms) && ms > 0 ? Math.min(ms, RETRY_AFTER_MAX_MS) : 0;
  }

  const sentence = (s) => {
    const t = String(s || '').trim();
    if (!t) return '';
    const c = t.charAt(0).toUpperCase() + t.slice(1);
    return /[.!?)]$/.test(c) ? c : c + '.';
  };

  // The notice takes no focus (role=alert reads it out); a reader who Tabs to its close
  // button and closes it (the button, Escape) finds the focus back where it was, not on the
  // page's body (test_web.py::test_new_and_the_notice_by_keyboard).
  // It stands in the page's flow above the app (app.css), which gives way to it: the open
  // conversation, scrolled to its newest message, stays so.
  let noticeReturn = null;
  // The notice says the server or the network is out of reach (handleError): it goes when
  // the live stream, down meanwhile, is back (the server answers again), not 10 s later.
  // Before, "You are offline" stayed up beside "live" while the message it was about went
  // by itself (test_web.py::test_offline_then_back).  A stream that stayed up (one answer
  // lost on its way) leaves it its 10 s: nothing came back that the reader saw go
  // (test_errors_in_words).
  let noticeOut = false;
  const outOfReach = (e) => e instanceof ApiError && (e.code === 'network' ||
    (!e.ours && (e.status === 502 || e.status === 503 || e.status === 504)));
  function reachedAgain() {
    if (noticeOut && !el.notice.hidden) hideNotice();
    noticeOut = false;
  }
  // stay: it stays until closed or replaced (the sign-in's end coming: expiryAhead)
  function showNotice(text, out, stay) {
    noticeOut = !!out;
    const stick = keepsNewest();
    el['notice-text'].textContent = text;
    el.notice.hidden = false;
    stick();
    const a = document.activeElement;
    if (a && !el.notice.contains(a)) noticeReturn = a;
    clearTimeout(state.noticeTimer);
    if (!stay) state.noticeTimer = setTimeout(hideNotice, 10000);
  }
  function hideNotice() {
    const had = el.notice.contains(document.activeElement);
    el.notice.hidden = true;
    if (!had) return;
    const r = noticeReturn;
    if (r && r.isConnected && r.getClientRects().length) r.focus();
    else if (!el.conv.hidden && el.text.getClientRects().length) el.text.focus();
    else el['new-btn'].focus();
  }

  // Said to screen readers (the live region #announce): each message as it arrives, with
  // its sender's name, and the composer going over its limit.  The list of messages is not a
  // live region: opening a conversation or a page of older ones read every message out
  // (test_web.py::test_accessibility_announcements_names_and_contrast).  The last few stay.
  function announce(text) {
    const p = document.createElement('p');
    p.textContent = text;
    el.announce.append(p);
    while (el.announce.childElementCount > 5) el.announce.firstElementChild.remove();
  }

  // A failed request: 401 ends the session ("sign in again"; what was not sent yet is kept
  // for the same user's next sign-in: signOut), anything else is shown as the server worded
  // it (the same text the CLI prints).
  function handleError(err) {
    if (sessionEnded(err)) {
      signOut(`${sentence(err.message)} Sign in again.`, true);
      return;
    }
    showNotice(sentence(err && err.message ? err.message : String(err)), outOfReach(err));
  }

  // Every request is given up after timeoutMs (answerTimeoutMs() when not given), as one
  // that met no server ('network'): a server that takes the request and never answers (hung,
  // stopped, a proxy holding it) left a send "Sending…" for minutes and every later one
  // queued behind it (test_web.py::test_a_send_into_a_hung_server_goes_again_once); a page of
  // messages "loading" with nothing to try again, a rename's Save greyed out, a mark-read
  // never told again and the live stream's ticket waited for with the stream down for good
  // (test_web.py::test_requests_into_a_stalled_server_are_given_up_and_tried_again).
  // The answer's body as JSON, progress() called at each piece that arrives (a browser
  // without a readable body: read at once, under the timer as it stands).
  async function bodyJson(res, progress) {
    if (!res.body || !res.body.getReader) return res.json();
    const reader = res.body.getReader();
    const parts = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      progress();
    }
    return JSON.parse(await new Blob(parts).text());
  }

  async function api(method, path, body, extraHeaders, timeoutMs) {
    if (!timeoutMs) timeoutMs = answerTimeoutMs();
    const headers = { Authorization: `Bearer ${state.token}`, ...(extraHeaders || {}) };
    const init = { method, headers, cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    // The timer runs while the answer's headers are awaited, then while its body makes no
    // progress: each piece that arrives starts it again.  A body that comes slowly but comes
    // (a page of messages over a slow link) is read however long it takes; before, the one
    // timer also covered the body and cut it as "the server did not answer"
    // (test_web.py::test_a_slow_body_is_read_and_a_stalled_one_given_up).
    let late = false;
    const ac = new AbortController();
    init.signal = ac.signal;
    let timer = 0;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { late = true; ac.abort(); }, timeoutMs);
    };
    arm();
    let res;
    let data = null;
    try {
      try {
        res = await fetch(path, init);
      } catch (e) {
        throw new ApiError(0, 'network', late ?
          `the server did not answer in ${Math.round(timeoutMs / 1000)} s` :
          navigator.onLine === false ?
            'you are offline: nothing reached the server; try again once the network is back' :
            'cannot reach the server: is ddbchat still running?');
      }
      if ((res.headers.get('Content-Type') || '').includes('application/json')) {
        try { data = await bodyJson(res, arm); } catch (e) { data = null; }
      }
    } finally {
      clearTimeout(timer);
    }
    if (late && res.ok && data === null) { // the body cut by the timeout: no answer either
      throw new ApiError(0, 'network', `the server did not answer in ${Math.round(timeoutMs / 1000)} s`);
    }
    if (!res.ok) {
      const e = (data && data.error) || {};
      throw new ApiError(res.status, e.code || `http_${res.status}`,
        e.message || (res.status === 401 ? PROXY_401 :
          `the server answered ${res.status} ${res.statusText}`),
        retryAfterMs(res.headers.get('Retry-After')), !!e.code);
    }
    resendWaiting(); // the server answers again: what failed for want of it goes now
    // and the stream, waiting for its next try (up to RETRY_MAX_MS away) because the server
    // could not be reached, tries now (test_web.py::
    // test_the_stream_back_as_soon_as_the_server_answers).  Not when the server answered the
    // stream with a refusal (at its streams cap: 503 overloaded): the API answering says
    // nothing of the streams, and every send retried it at once, from every tab, while the
    // server was overloaded (test_web.py::test_a_refused_stream_keeps_its_backoff).
    const early = () => state.retryTimer && !state.live && state.streamOut;
    if (early()) setTimeout(() => { if (early()) reconnectNow(); }, 0);
    return { data, next: res.headers.get('X-Next-Cursor'),
      total: res.headers.get('X-Unread-Total'), date: res.headers.get('Date'),
      retryAfterMs: retryAfterMs(res.headers.get('Retry-After')) };
  }

  // ---- time, in the reader's time zone ---------------------------------------------------

  // A formatter keeps the time zone it was made in: the reader's zone may change while the
  // page is open (a laptop carried across zones, the system's zone set), and every label
  // stayed in the old one until a reload.  They are made again, and every label drawn again,
  // when the zone is no longer theirs: checked with the clock, each second and when the tab
  // is shown (test_web.py::test_times_in_the_readers_time_zone).
  let fmtTime;
  let fmtDay;
  let fmtFull;
  let yesterdayWord; // "Yesterday", in the reader's language
  let fmtZone = null;
  const zoneNow = () => new Intl.DateTimeFormat().resolvedOptions().timeZone;
  function makeFormatters(zone) {
    fmtZone = zone;
    fmtTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
    fmtDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    fmtFull = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });
    const y = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-1, 'day');
    yesterdayWord = y.charAt(0).toLocaleUpperCase() + y.slice(1);
  }
  makeFormatters(zoneNow());

  // "2026-11-26T12:34:56.123456Z" (microseconds) -> Date (milliseconds).
  const parseTs = (ts) => new Date(ts.length > 24 ? `${ts.slice(0, 23)}Z` : ts);

  // A time of today shows the hour only, yesterday's "Yesterday, " and the hour (a date the
  // reader had to work out was yesterday), another day's its date too.  "Today" moves: a page
  // left open past midnight showed yesterday's messages as today's, so the day the labels
  // were drawn in is kept and every label is drawn again once the clock (Date.now, the
  // page's one clock) leaves it: checked each second and when the tab is shown again
  // (test_web.py::test_today_becomes_a_date_after_midnight).
  // [local midnight, next local midnight) of the labels, and the midnight before (yesterday)
  const labelDay = { yday: 0, from: 0, to: 0 };

  function drawTime(t) {
    const d = parseTs(t.dateTime);
    if (Number.isNaN(d.getTime())) { t.textContent = t.dateTime; return; }
    const at = d.getTime();
    if (at >= labelDay.from && at < labelDay.to) t.textContent = fmtTime.format(d);
    else if (at >= labelDay.yday && at < labelDay.from) {
      t.textContent = `${yesterdayWord}, ${fmtTime.format(d)}`;
    } else t.textContent = fmtDay.format(d);
  }

  function setLabelDay(now) {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    labelDay.from = d.getTime();
    d.setDate(d.getDate() + 1);
    labelDay.to = d.getTime();
    d.setDate(d.getDate() - 2); // a day of 23 or 25 hours: by the calendar, not 24 h
    labelDay.yday = d.getTime();
  }

  // Every label drawn again when today is no longer the day they were drawn in, or the
  // time zone no longer theirs (the full time of its tooltip too).  The zone is asked with
  // the clock only (making a formatter to ask it costs more than drawing a label).
  function redrawTimes(askZone) {
    const now = Date.now();
    const zone = askZone === true ? zoneNow() : fmtZone;
    const moved = zone !== fmtZone;
    if (!moved && now >= labelDay.from && now < labelDay.to) return;
    if (moved) makeFormatters(zone);
    setLabelDay(now);
    for (const t of document.querySelectorAll('time[datetime]')) {
      drawTime(t);
      if (moved) titleTime(t);
    }
  }

  function titleTime(t) {
    const d = parseTs(t.dateTime);
    if (!Number.isNaN(d.getTime())) t.title = fmtFull.format(d);
  }

  function timeEl(ts) {
    const t = document.createElement('time');
    t.dateTime = ts;
    redrawTimes();
    drawTime(t);
    titleTime(t);
    return t;
  }
  setInterval(() => redrawTimes(true), 1000);
  document.addEventListener('visibilitychange', () => redrawTimes(true));

  // ---- sign in / out ---------------------------------------------------------------------

  // again: the view is showing already and the focus stays where the reader put it, the
  // reason (role=alert) said again only when its words change.
  function showSignin(message, again) {
    const shown = !el.signin.hidden && el.app.hidden;
    el.app.hidden = true;
    el.signin.hidden = false;
    el['signin-error'].hidden = !message;
    if (el['signin-error'].textContent !== (message || '')) {
      el['signin-error'].textContent = message || '';
    }
    if (!(again && shown)) el.token.focus();
  }

  // A token as pasted: the demo's curl line shows it as "Authorization: Bearer <token>", and
  // copying "Bearer <token>" (or the whole header) is the usual slip; the token is the rest.
  const bareToken = (t) => {
    let s = String(t);
    for (let i = 0; i < 3; i++) { // as many layers as a copy can carry: quotes, header, scheme
      s = s.trim().replace(/^["']+|["']+$/g, '').trim()
        .replace(/^authorization\s*:\s*/i, '').replace(/^bearer\s+/i, '');
    }
    return s.trim();
  };

  // A sign-in that got no answer (no network, the server gone or restarting; 502-504) is
  // tried again by itself, RETRY_MIN_MS doubling to RETRY_MAX_MS, and at once when the
  // browser says the network is back; the tab keeps the token meanwhile.  Loaded (a reload)
  // while the server was out of reach, the page threw the token away: a link's token was
  // gone from the address too, and the user had to find one and paste it, while the view
  // said nothing of trying again (test_web.py::test_the_server_out_of_reach_at_load).
  let signInAgain = null; // {token, timer}
  let signInSeq = 0; // the latest sign-in: an older one's answer is let go
  function stopSignInAgain() {
    if (signInAgain) clearTimeout(signInAgain.timer);
    signInAgain = null;
  }
  window.addEventListener('online', () => { if (signInAgain) signIn(signInAgain.token); });

  async function signIn(token, retryMs) {
    stopSignInAgain();
    const seq = ++signInSeq;
    const bare = bareToken(token);
    state.token = bare;
    let me;
    let date = null;
    try {
      ({ data: me, date } = await api('GET', '/api/me'));
    } catch (e) {
      if (seq !== signInSeq) return;
      state.token = null;
      if (e.code === 'network' || e.status === 502 || e.status === 503 || e.status === 504) {
        sessionStorage.setItem(TOKEN_KEY, bare);
        const ms = retryMs || RETRY_MIN_MS;
        signInAgain = { token: bare,
          timer: setTimeout(() => signIn(bare, Math.min(ms * 2, RETRY_MAX_MS)), ms) };
        const why = e.code !== 'network' ? sentence(e.message) :
          navigator.onLine === false ? 'You are offline.' :
            'Cannot reach the server (is ddbchat still running?).';
        showSignin(`${why} Trying again by itself: the page signs in once the server ` +
          `answers.${keptNote()}`, true);
        return;
      }
      if (e.status === 401 && !e.ours) { // a proxy's: the token may be good, a reload tells
        sessionStorage.setItem(TOKEN_KEY, bare);
        showSignin(sentence(e.message) + keptNote());
        return;
      }
      sessionStorage.removeItem(TOKEN_KEY);
      showSignin((e.status === 401 ? `${sentence(e.message)} Check the token.` :
        sentence(e.message)) + keptNote());
      return;
    }
    if (seq !== signInSeq) return;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    state.me = me;
    renameLeftOver(me);
    restoreOutbox();
    restoreDrafts();
    showMe();
    drawNotify();
    el.signin.hidden = true;
    el.app.hidden = false;
    el['signin-error'].hidden = true;
    startLive();
    listUnder();
    fromAddress();
    expiryAhead(bare, date);
    // The list is loaded once the event stream is open (so nothing falls between the two);
    // without a stream after a few seconds, load it anyway.
    setTimeout(() => { if (state.token && !state.listLoaded) loadConversations(true); }, 3000);
  }

  // The sign-in's end, read ahead: the token's "exp" (the server refuses a token past it, and
  // ends its live stream within a second of it).  There is nothing to renew it with (tokens
  // come from `ddbchat token` or the identity provider; the API has no refresh), so the page
  // says it EXPIRY_WARN_MS before, on a notice that stays: the time it ends, and that what is
  // not sent by then is kept for the next sign-in (signOut keeps the outbox and the drafts
  // of a session that ended).  Before session 31 the page learnt of it only from the 401
  // that ended it, the reader mid-sentence (test_web.py::test_the_end_of_a_sign_in_is_said_ahead).
  // Times are the server's: the skew of the reader's clock is taken from the sign-in's Date
  // header.  At the end the page asks GET /api/me (its 401 ends the session) without waiting
  // for a send or the stream: the stream may be off, and a clock read wrong only delays that.
  const EXPIRY_WARN_MS = 5 * 60 * 1000;
  let expiryTimer = null;
  function tokenExpMs(t) {
    try {
      const p = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const exp = JSON.parse(atob(p)).exp;
      return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : 0;
    } catch (e) {
      return 0; // not a JWT the page can read: the server's 401 says when it ends
    }
  }
  function expiryAhead(token, date) {
    clearTimeout(expiryTimer);
    expiryTimer = null;
    const exp = tokenExpMs(token);
    if (!exp) return;
    const server = Date.parse(date || '');
    // server minus reader; the header counts whole seconds: a skew under 2 s is its rounding
    let skew = Number.isFinite(server) ? server - Date.now() : 0;
    if (Math.abs(skew) < 2000) skew = 0;
    const gen = state.gen;
    const endsIn = () => exp - (Date.now() + skew);
    const warn = () => {
      if (gen !== state.gen) return;
      // a token living past a timer's 24.8 days: the first timer fired early, wait on
      if (endsIn() - EXPIRY_WARN_MS > 1000) {
        expiryTimer = setTimeout(warn, Math.min(endsIn() - EXPIRY_WARN_MS, 0x7fffffff));
        return;
      }
      const ends = new Date(exp - skew); // in the reader's clock, as they read it
      const at = ends.toDateString() === new Date().toDateString() ? fmtTime.format(ends) :
        fmtDay.format(ends);
      showNotice(`Your sign-in ends at ${at} (its token expires then). Messages not sent by ` +
        'then are kept for your next sign-in: get a new token or link before it.', false, true);
      expiryTimer = setTimeout(check, Math.min(Math.max(0, endsIn()) + 1000, 0x7fffffff));
    };
    const check = async () => {
      expiryTimer = null;
      if (gen !== state.gen || !state.token) return;
      try {
        await api('GET', '/api/me');
        // still good (the clocks read wrong): asked again later
        if (gen === state.gen) expiryTimer = setTimeout(check, 30000);
      } catch (e) {
        if (gen !== state.gen) return;
        if (sessionEnded(e)) handleError(e);
        else expiryTimer = setTimeout(check, 30000);
      }
    };
    // a timer waits at most 2^31-1 ms (24.8 days): a token lives a day at most by default
    const lead = Math.min(endsIn() - EXPIRY_WARN_MS, 0x7fffffff);
    expiryTimer = setTimeout(warn, Math.max(0, lead));
  }

  // The session ended (ended: a 401, the token expired or was refused; a new link opened) or
  // the user signed out (Sign out).  Either way nothing of the user stays in the page.  What
  // was not sent yet (typed offline, "Not sent", on its way) stays in sessionStorage when
  // the session ended, as a reload keeps it, and comes back at the same user's next sign-in
  // (restoreOutbox); so do the drafts (saveDrafts) and the sign-in view says how many wait.
  // An expired token emptied them without a word
  // (test_web.py::test_unsent_messages_outlive_an_expired_token).  Only Sign out, or another
  // user signing in, discards them.
  function signOut(message, ended) {
    stopLive();
    clearTimeout(expiryTimer);
    expiryTimer = null;
    // a send on its way may still arrive, but its loop stops there (state.gen) and leaves
    // the next sign-in's outbox alone; one stored meanwhile goes again with its
    // Idempotency-Key and is stored once
    if (ended) {
      saveOutbox(true);
      saveDrafts();
      message = `${message}${keptNote()}`;
    } else {
      sessionStorage.removeItem(OUTBOX_KEY);
      sessionStorage.removeItem(DRAFTS_KEY);
    }
    state.gen++;
    outbox.splice(0);
    drafts.clear();
    clearTimeout(readTimer);
    readTimer = null;
    seen.clear();
    readsWaiting.clear();
    deletedSeen.clear();
    notes.clear();
    el.text.value = '';
    delete el.send.dataset.busy;
    sessionStorage.removeItem(TOKEN_KEY);
    history.replaceState(null, '', location.pathname + location.search);
    Object.assign(state, {
      token: null, me: null, listCursor: null, listLoading: false, listLoaded: false, open: null,
      lastEventId: null, wantGroup: null, unreadRest: 0,
    });
    state.convs.clear();
    settled.clear();
    // nothing of this user stays in the page for the next one: names, the conversation's
    // partner, a handle typed in "New", a notice, the count of a draft
    // (test_web.py::test_sign_out_leaves_nothing_of_the_user)
    el.conversations.replaceChildren();
    el['list-more'].hidden = true;
    listFailed(null);
    el.messages.replaceChildren();
    el.jump.hidden = true;
    el.me.replaceChildren();
    el['conv-title'].textContent = '';
    el['conv-title'].removeAttribute('title');
    el['conv-handle'].textContent = '';
    el['new-form'].hidden = true;
    el['new-handle'].value = '';
    closeName(false);
    el.notice.hidden = true;
    el['notice-text'].textContent = '';
    updateCount();
    el.announce.replaceChildren();
    announced.clear();
    el.conv.hidden = true;
    el['conv-none'].hidden = false;
    el.app.classList.remove('show-conv');
    el.token.value = '';
    updateTitle();
    showSignin(message);
  }

  // ---- conversations (pattern B) ---------------------------------------------------------

  function renderConversation(c) {
    const li = c.li || document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.group = c.uuid;
    const who = document.createElement('span');
    who.className = 'who';
    who.dir = 'auto'; // a name or text in Hebrew or Arabic reads right to left
    who.textContent = c.display_name || c.handle;
    const last = document.createElement('span');
    last.className = 'last';
    last.dir = 'auto';
    // a conversation whose every message was deleted stays, with no last message
    // ("message": ""): said so, as chat apps show an emptied chat
    // (test_web.py::test_deleting_ones_own_message)
    last.textContent = c.message || 'No messages';
    if (!c.message) last.classList.add('none');
    b.append(who, timeEl(c.created_at), last);
    const n = unreadCount(c);
    if (n) {
      const badge = document.createElement('span');
      badge.className = 'unread';
      badge.textContent = String(n);
      b.append(badge);
      b.classList.add('has-unread');
    }
    b.setAttribute('aria-label', `${n ? `${n} unread, ` : ''}` +
      `${c.display_name || c.handle} (@${c.handle}): ${c.message || 'no messages'}`);
    if (state.open && state.open.group === c.uuid) b.setAttribute('aria-current', 'true');
    // Opened by a tap, the composer does not take the focus: on a phone that raised the
    // on-screen keyboard over half the conversation before a word was read; the list of
    // messages has it instead (a screen reader starts there).  By mouse or keyboard it goes
    // to the composer, as before (test_web.py::test_a_tap_opens_a_conversation_to_read_it).
    b.addEventListener('click', (ev) => openConversation(c.uuid, c.handle, c.display_name,
      ev.pointerType === 'touch' ? 'messages' : true));
    // drawn again (a count, a new last message) while it has the focus: the new button takes
    // it, or a keyboard user found the focus on the page's body (after Escape at phone
    // width, the read marker's answer redrew the conversation just focused:
    // test_web.py::test_phone_width_by_keyboard, test_a_redrawn_conversation_keeps_the_focus)
    const focused = li.firstChild && li.firstChild === document.activeElement;
    li.replaceChildren(b);
    if (focused) b.focus({ preventScroll: true });
    c.li = li;
    return li;
  }

  // "(3) ddbchat": the user's unread over all conversations.  The listing's first page says
  // it (X-Unread-Total); what of it lies in the conversations not loaded is kept apart
  // (state.unreadRest: the total less the loaded ones' counts, when it came), and the loaded
  // ones are counted as their badges are, from the stream's events.  A conversation not
  // loaded that an event names (a message, a read elsewhere) holds an unknown share of the
  // rest: the listing's first page is asked for again then, once for any number of them
  // (relistSoon), not per event.  Before, the title counted the loaded conversations only
  // (test_web.py::test_title_counts_unread_beyond_the_loaded_list).  The loaded ones that the
  // page (items) lists are taken off at the server's count, which the total was added up
  // with: the page's own may be ahead of it (read here, the server told within
  // READ_DELAY_MS) and left a phantom unread in the rest
  // (test_web.py::test_unread_markers).
  function takeTotal(total, items) {
    const t = Number(total);
    if (total === null || total === undefined || !Number.isInteger(t) || t < 0) return;
    const listedCount = new Map();
    for (const it of items) {
      if (typeof it.unread === 'number') listedCount.set(it.uuid, it.unread);
    }
    let loaded = 0;
    for (const c of state.convs.values()) {
      loaded += listedCount.has(c.uuid) ? listedCount.get(c.uuid) : unreadCount(c);
    }
    state.unreadRest = Math.max(0, t - loaded);
    updateTitle();
  }

  function updateTitle() {
    let n = state.unreadRest || 0;
    for (const c of state.convs.values()) n += unreadCount(c);
    // no one's name: every entry of the tab's history keeps the title it had when left,
    // which the Back and Forward lists show to whoever uses the browser next
    document.title = n ? `(${n}) ddbchat` : 'ddbchat';
  }

  // The open conversation, on screen (at phone width the list may be showing instead).
  const shownGroup = () => (state.open && !el.conv.hidden &&
    getComputedStyle(el['conv-pane']).display !== 'none' ? state.open.group : null);

  // Puts conversation c (new or updated) in its place: newest first.
  function upsertConversation(c) {
    let cur = state.convs.get(c.uuid);
    if (cur) {
      if (c.created_at < cur.created_at) return; // an older message (replayed): no change
      Object.assign(cur, { message: c.message, created_at: c.created_at });
      takeName(cur, c.display_name);
      if (c.handle) cur.handle = c.handle;
    } else {
      // unread: what the server counts (c.unread of a listing item: base, as of baseAt, its
      // newest message then) and the other person's messages that came live after it
      // (unread: uuid -> created_at).  A server without read markers counts nothing: what
      // is there when a conversation first comes into the list is no news then.
      const counted = typeof c.unread === 'number';
      cur = { ...c, li: null, unread: new Map(), base: counted ? c.unread : 0,
        baseAt: counted ? c.created_at : '', readTo: counted ? c.read_to || '' : c.created_at,
        sentRead: counted ? c.read_to || '' : '' };
      state.convs.set(c.uuid, cur);
    }
    placeConversation(cur);
  }

  // c drawn again and put in its place in the list: newest first.
  function placeConversation(cur) {
    const li = renderConversation(cur);
    let before = null;
    for (const other of el.conversations.children) {
      if (other === li) continue;
      const oc = state.convs.get(other.firstChild && other.firstChild.dataset.group);
      if (oc && oc.created_at < cur.created_at) { before = other; break; }
    }
    const hadFocus = li.contains(document.activeElement);
    el.conversations.insertBefore(li, before);
    if (hadFocus) li.firstChild.focus();
    el['list-empty'].hidden = true;
  }

  // The other person's display name changed (PUT /api/me, `ddbchat user rename`): the list
  // and the open conversation's heading take the new one from whatever says it first (their
  // next message, the listing again, the stream's rename event).  The messages keep the
  // name they were sent under, as the server keeps them (a reload shows the same).  Before,
  // the heading kept the old name until the conversation was opened again, and a listing
  // without a newer message kept the old one in the list too
  // (test_web.py::test_the_other_persons_new_name_shows_without_a_reload).
  // true when c's name changed (its list entry is to be drawn again).
  function takeName(c, name) {
    if (!c || !name || c.display_name === name) return false;
    c.display_name = name;
    const o = state.open;
    if (o && (o.group ? o.group === c.uuid : sameHandle(o.handle, c.handle))) {
      o.display_name = name;
      el['conv-title'].textContent = name;
      el['conv-title'].title = name;
    }
    return true;
  }

  // A listing item (GET /api/message_groups, its first page again, or one conversation):
  // put in its place when it is news (a page is older than what live delivery may already
  // have put in the list), and its unread count and read marker taken; its name too, unless
  // the stream named the person since the listing was asked for (askedAt, Date.now(); its
  // answer may have been read before the change).
  function listed(it, askedAt) {
    const had = state.convs.get(it.uuid);
    // at the same time with another text: its only message was deleted (the conversation
    // stays, "message": "", at that message's time) while a "delete" event was missed
    // (test_web.py::test_conversations_emptied_while_away_leave_on_reconnecting)
    if (!had || had.created_at < it.created_at ||
        (had.created_at === it.created_at && it.message === '' && had.message !== '')) {
      upsertConversation(it);
    } else if (had.created_at === it.created_at && !(askedAt && had.namedAt >= askedAt) &&
             takeName(had, it.display_name)) {
      redrawCount(had);
    }
    const c = state.convs.get(it.uuid);
    if (had) countsFrom(c, it);
    else {
      // loaded now: its count leaves the rest (takeTotal sets the rest anew after a first page)
      if (typeof it.unread === 'number') {
        state.unreadRest = Math.max(0, (state.unreadRest || 0) - it.unread);
      }
      updateTitle();
    }
  }

  // A listing still on its way at sign-out belongs to the user who asked for it: its answer
  // or its failure touches nothing of the next user's page (state.gen), and it holds no
  // next listing back (listLoading, reset by signOut).  Before, the next user's first
  // listing was skipped and the previous user's conversations were added to their list
  // when the old answer came (test_web.py::test_a_listing_of_the_previous_user_stays_out).
  async function loadConversations(first) {
    if (state.listLoading || (!first && !state.listCursor)) return;
    const gen = state.gen;
    state.listLoading = true;
    el['list-more'].hidden = first;
    const q = new URLSearchParams({ limit: String(PAGE_CONVERSATIONS) });
    if (!first) q.set('cursor', state.listCursor);
    try {
      const { data, next, total } = await api('GET', `/api/message_groups?${q}`);
      if (gen !== state.gen) return;
      if (first) state.listLoaded = true;
      state.listCursor = next;
      for (const c of data) listed(c);
      if (first) takeTotal(total, data);
      el['list-empty'].hidden = state.convs.size > 0;
      const want = first && state.wantGroup; // the address's conversation (openByGroup)
      state.wantGroup = first ? null : state.wantGroup;
      if (want && !state.open) openByGroup(want);
      listFailed(null);
    } catch (e) {
      if (gen !== state.gen) return;
      // "Conversations did not load" with "Try again" below the list (failedLine), and no
      // next page asked at once: before, a list that failed stayed empty with nothing to try
      // again until the stream reconnected, and a later page that failed while the list was
      // shorter than its pane was asked again at once, on and on, while the server was down
      // (test_web.py::test_a_list_that_did_not_load_is_tried_again)
      if (!sessionEnded(e)) listFailed(e, () => loadConversations(first));
      handleError(e);
      return;
    } finally {
      if (gen === state.gen) {
        state.listLoading = false;
        el['list-more'].hidden = true;
      }
    }
    const pane = el['list-pane'];
    if (state.listCursor && pane.scrollHeight <= pane.clientHeight + 40) loadConversations(false);
  }

  function listFailed(e, retry) {
    const focusTo = el.conversations.querySelector('button') || el['new-btn'];
    failedLine(el['list-pane'], 'p', 'conversations', e, () => {
      if (!state.listLoading) retry();
    }, focusTo, (p) => el['list-pane'].insertBefore(p, el['list-more']));
  }

  el['list-pane'].addEventListener('scroll', () => {
    const p = el['list-pane'];
    if (p.scrollTop + p.clientHeight > p.scrollHeight - 80) loadConversations(false);
  });

  // ---- the open conversation (pattern A) -------------------------------------------------

  const nearBottom = () => {
    const m = el.messages;
    return m.scrollTop + m.clientHeight > m.scrollHeight - 60;
  };

  // Before a change that may move the open conversation's bottom (a notice above it, a
  // message growing): returns what puts its newest message back in sight after the change,
  // if it was there before.
  function keepsNewest() {
    const at = !el.conv.hidden && el.messages.getClientRects().length && nearBottom();
    return () => { if (at) el.messages.scrollTop = el.messages.scrollHeight; };
  }

  // A message's text as nodes: text, and each http(s) address in it as a link that opens in
  // a new tab with rel=noopener noreferrer (the page it opens gets no handle on this one, nor
  // its address).  Only http: and https: are ever a link (never javascript: or data:), an
  // address that URL cannot parse stays text, and the punctuation that ends a sentence or an
  // unmatched ")" after it is not part of it; the text is never parsed as HTML
  // (test_web.py::test_links_in_messages_open_safely).  An address is printable ASCII but for
  // space, <, > and ", and outside ASCII letters, marks and digits only (an IDN host such as
  // bücher.example, a path in Japanese): punctuation, symbols, spaces and format controls end
  // it.  Before, CJK text written without a space after an address ran into it and URL() put
  // it in the host ("https://example.com。次" went to example.com.xn--6jw), and a bidi control
  // (U+202E) was kept in a link's text, which then read other than it went.
  const URL_RE = /\bhttps?:\/\/[\x21\x23-\x3B\x3D\x3F-\x7E\p{L}\p{M}\p{N}]+/giu;
  // The last part of a path or query: ASCII ending in a letter or digit (group 1), then a
  // particle and the rest of the part (linkify's path case).
  const PARTICLE_AFTER_PATH =
    /[/?#=&]((?:(?![/?#=&])[\x21-\x7E])*[A-Za-z0-9])(?:[をはがにでへともや]|から|まで|より)[^/?#=&]*$/u;
  function linkify(text) {
    const out = [];
    let from = 0;
    for (const hit of text.matchAll(URL_RE)) {
      let u = hit[0];
      // Letters written straight after the host, as Japanese or Chinese text puts them
      // ("https://example.comを見て"), are not the host's: no top-level domain mixes ASCII
      // with other letters, so a last label that starts in ASCII ends where the ASCII does
      // (an IDN one, such as .みんな, is all non-ASCII and stays whole).  A host without a
      // dot (http://intranet, https://localhost) is its own last label: before, the cut
      // needed a dot and "http://intranetを見て" went to xn--intranet-ld4g7of691f.
      if (/^https?:\/\/[^/?#]*$/i.test(u)) {
        const dot = u.lastIndexOf('.');
        const label = dot > 0 ? dot + 1 : u.indexOf('://') + 3;
        const ascii = /^[\x00-\x7F]+(?=[^\x00-\x7F])/.exec(u.slice(label));
        if (ascii) u = u.slice(0, label + ascii[0].length);
        // A host that is whole in ASCII (two labels or more, a leading www. aside) and
        // then a full stop and other letters ("https://example.com.次は"): the full stop ends
        // a sentence and the letters are the next one's, not an IDN top-level domain under
        // it.  An ASCII name directly under an IDN one (example.みんな) keeps it.  Without a
        // list of top-level domains the cost is a third level under an IDN one
        // (shop.example.みんな): its link ends at shop.example.
        const whole = /^(https?:\/\/([\x21-\x7F]+))\.[^\x00-\x7F][^.]*$/i.exec(u);
        if (whole && whole[2].replace(/^www\./i, '').includes('.')) u = whole[1];
      } else {
        // Words written straight after a path, as Japanese puts its particles
        // ("https://example.com/pageを見て"): a case or topic particle (を は が に で へ と も
        // や から まで より) straight after an ASCII letter or digit ends the link, when the
        // last part of the path or query (after its last / ? # = or &) is ASCII up to it.
        // Kanji after ASCII stay ("/wiki/JR東日本" is a title), as do hiragana after other
        // letters or punctuation ("/wiki/東京の", "?q=の"), a part that goes on after them
        // ("/aを/b") and の, which starts words and runs through titles ("/wiki/NHKのど自慢"
        // is an article; the cost is "/pageの説明" staying whole).  The scan starts at the
        // path: an IDN host's hiragana ("https://sushiすし.jp/menu") are not words after it.
        const hs = u.indexOf('://') + 3;
        const p = hs + u.slice(hs).search(/[/?#]/);
        const kana = PARTICLE_AFTER_PATH.exec(u.slice(p));
        if (kana) u = u.slice(0, p + kana.index + 1 + kana[1].length);
      }
      for (;;) {
        const t = u.replace(/[.,;:!?'"]+$/, '');
        const open = (t.match(/\(/g) || []).length;
        const close = (t.match(/\)/g) || []).length;
        const cut = t.endsWith(')') && close > open ? t.slice(0, -1) : t;
        if (cut === u) break;
        u = cut;
      }
      let ok = false;
      try {
        const p = new URL(u).protocol;
        ok = p === 'http:' || p === 'https:';
      } catch (e) {
        ok = false;
      }
      if (!ok) continue;
      if (hit.index > from) out.push(text.slice(from, hit.index));
      const a = document.createElement('a');
      a.href = u;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      // an isolate that reads left to right (as an address does): a bidi control or
      // right-to-left text before it cannot reorder its characters, so it reads as it goes
      // ("\u202Eabc https://example.com/x" showed it as "x/moc.elpmaxe//:sptth")
      a.dir = 'ltr';
      a.textContent = u;
      out.push(a);
      from = hit.index + u.length;
    }
    if (from < text.length) out.push(text.slice(from));
    return out;
  }

  function messageEl(m) {
    const li = document.createElement('li');
    li.dataset.uuid = m.uuid;
    li.dataset.at = m.created_at;
    if (state.me && m.handle === state.me.handle) li.className = 'mine';
    // Each text takes its direction from its first strong letter (dir=auto, as chat apps
    // do): a Hebrew or Arabic message reads right to left, its punctuation at its end, and
    // a name is isolated (<bdi>) from the time beside it.
    const text = document.createElement('div');
    text.className = 'text';
    text.dir = 'auto';
    text.append(...linkify(m.message));
    const meta = document.createElement('div');
    meta.className = 'meta';
    const name = document.createElement('bdi');
    name.textContent = m.display_name || m.handle;
    meta.append(name, ' · ', timeEl(m.created_at));
    if (li.className === 'mine') meta.append(' ', deleteButton(li, m));
    li.append(text, meta);
    // one Tab stop for the whole list, not one per Delete and link: roving (rove, below)
    li.tabIndex = -1;
    for (const c of li.querySelectorAll('a, button')) c.tabIndex = -1;
    return li;
  }

  // The list of messages by keyboard (WAI-ARIA Authoring Practices, "Developing a Keyboard
  // Interface: Managing Focus Within Components Using a Roving tabindex"): the list is one
  // Tab stop; ArrowUp and ArrowDown go from message to message (from the list itself,
  // ArrowUp takes the newest, ArrowDown the oldest shown), Home and End to the first and
  // last shown, and Tab from a message reaches its own controls (its links, its Delete)
  // only: those of the other messages are out of the Tab order (tabindex=-1) until their
  // message is the current one.  Delete on one's own message asks as its Delete button
  // does, but only on a message the arrow keys (Home, End) went to: a click or a tap also
  // focuses a message (tabindex=-1), and Delete there is nobody's keyboard path.  Backspace
  // is not Delete here: it is the composer's key, and a click on one's own message then
  // Backspace, Enter (meant for the composer) deleted it for both people
  // (test_web.py::test_a_clicked_message_is_not_deleted_by_keys).  Before session 31 every
  // own message's Delete and every link was a Tab stop: a conversation of 40 own messages
  // took 40 more Tab presses to reach the composer
  // (test_web.py::test_the_list_of_messages_is_one_tab_stop).
  let roving = null; // the current message: its controls are in the Tab order
  let keyed = null; // the message the keys went to (Delete acts on it only)
  function rove(li) {
    if (roving === li) return;
    if (roving) for (const c of roving.querySelectorAll('.text a, .meta .del')) c.tabIndex = -1;
    roving = li;
    if (li) for (const c of li.querySelectorAll('.text a, .meta .del')) c.tabIndex = 0;
  }
  el.messages.addEventListener('focusin', (ev) => {
    const li = ev.target.closest && ev.target.closest('#messages > li[data-uuid]');
    if (li) rove(li);
    if (ev.target !== keyed) keyed = null;
  });
  el.messages.addEventListener('pointerdown', () => { keyed = null; });
  el.messages.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.isComposing) return;
    const t = ev.target;
    const on = t !== el.messages && t.matches('#messages > li[data-uuid]') ? t : null;
    if (t !== el.messages && !on) return; // a link's or a button's own keys
    if (on && ev.key === 'Delete') {
      const b = on === keyed && on.querySelector('.meta .del');
      if (b) {
        ev.preventDefault();
        b.click();
      }
      return;
    }
    const all = [...shownMessages()];
    if (!all.length || ev.shiftKey) return;
    const i = on ? all.indexOf(on) : -1;
    let to = null;
    if (ev.key === 'ArrowUp') to = on ? all[Math.max(0, i - 1)] : all[all.length - 1];
    else if (ev.key === 'ArrowDown') to = on ? all[Math.min(all.length - 1, i + 1)] : all[0];
    else if (ev.key === 'Home' && on) to = all[0];
    else if (ev.key === 'End' && on) to = all[all.length - 1];
    if (!to) return;
    ev.preventDefault();
    keyed = to;
    to.focus({ preventScroll: true });
    to.scrollIntoView({ block: 'nearest' });
  });

  // Adds m in created_at order (live messages go last; a replayed one finds its place; a
  // message being sent stays below them all).  One's own message replaces its "Sending" copy.
  // live: it came by the stream (not with a page), so it may be news to a reader scrolled up.
  function addMessage(m, live) {
    const o = state.open;
    if (!o || o.seen.has(m.uuid)) return;
    // older than the oldest shown while older pages are still to load: it comes with them
    // (a replay of a message the page let go of, boundToNewest, would stand above a gap)
    const oldest = o.cursor && el.messages.querySelector('li[data-uuid]');
    if (oldest && m.created_at < oldest.dataset.at) return;
    // newer than the newest shown while newer pages are still to load (scrolled back, the
    // newest were let go of: windowAbove): held until they are loaded, then added
    if (o.newer) {
      if (!o.held.some((h) => h.uuid === m.uuid)) {
        o.held.push(m);
        if (live) newBelow(o);
      }
      return;
    }
    o.seen.add(m.uuid);
    const mine = state.me && m.handle === state.me.handle;
    const stick = nearBottom() || mine;
    placeByAt(messageEl(m));
    if (stick) el.messages.scrollTop = el.messages.scrollHeight;
    if (stick) boundToNewest();
    else if (live && isNewest(m)) newBelow(o); // not a replayed one that found its place
  }

  const isNewest = (m) => {
    const all = shownMessages();
    return all.length > 0 && all[all.length - 1].dataset.uuid === m.uuid;
  };

  // Reading older messages (scrolled up) when new ones come: the view stays where the reader
  // is, and a bar above the composer says how many came ("↓ 2 new messages"); it takes them
  // to the newest (loading what a long scroll back let go of) and goes once they are seen.
  // Before, nothing said so but the list's badge, hidden at phone width
  // (test_web.py::test_new_messages_while_reading_older_ones).
  function newBelow(o) {
    o.below = (o.below || 0) + 1;
    el.jump.textContent = `↓ ${o.below === 1 ? '1 new message' : `${o.below} new messages`}`;
    el.jump.hidden = false;
  }
  function clearBelow() {
    if (state.open) state.open.below = 0;
    el.jump.hidden = true;
  }
  el.jump.addEventListener('click', () => {
    const o = state.open;
    if (!o) return;
    clearBelow();
    el.messages.focus({ preventScroll: true }); // the button goes: the focus stays in the view
    if (o.newer) openConversation(o.group, o.handle, o.display_name, false, 'none');
    else el.messages.scrollTop = el.messages.scrollHeight;
  });

  // li put in the open conversation by its data-at: after the last one whose data-at is not
  // later (stored messages by created_at; "Not sent" where it failed, created_at~; one on its
  // way, ~, below them all), or after the "older" button.
  function placeByAt(li) {
    if (li.parentNode === el.messages) li.remove();
    let after = el.messages.lastElementChild;
    while (after && after.dataset.at && after.dataset.at > li.dataset.at) {
      after = after.previousElementSibling;
    }
    if (after) after.after(li);
    else el.messages.prepend(li);
  }

  // A long session must not grow without bound: while the newest messages are on screen, the
  // open conversation keeps at most MAX_SHOWN of them (#messages data-max overrides it, for
  // tests).  Over it, the newest page is fetched again and what is older than it let go of;
  // its cursor pages back to them, so scrolling back finds each once, none missing
  // (test_web.py::test_a_long_conversation_stays_bounded_at_its_newest).  Scrolled back
  // (reading), nothing is let go of.
  const MAX_SHOWN = 400;
  async function boundToNewest() {
    const o = state.open;
    const max = Number(el.messages.dataset.max) || MAX_SHOWN;
    if (!o || !o.group || o.loading || o.newer || el.messages.childElementCount <= max ||
        !nearBottom() ||
        el.messages.querySelectorAll('li[data-uuid]').length <= max) return;
    o.loading = true;
    try {
      const { data, next } = await api('GET',
        `/api/messages/${encodeURIComponent(o.group)}?limit=${PAGE_MESSAGES}`);
      if (state.open !== o || !data.length || !nearBottom()) return;
      const oldest = data[0].created_at;
      for (const li of el.messages.querySelectorAll('li[data-uuid], li.divider')) {
        if (li.dataset.at < oldest) {
          o.seen.delete(li.dataset.uuid);
          li.remove();
        }
      }
      o.cursor = next;
      if (next) o.cursors.set(data[0].uuid, next);
      for (const m of data) addMessage(m); // any that came in between
      olderButton(!!next);
      el.messages.scrollTop = el.messages.scrollHeight;
    } catch (e) {
      // kept as it is; tried again with the next message or scroll to the bottom
    } finally {
      o.loading = false;
    }
  }

  function olderButton(show) {
    let b = el.messages.querySelector('li.older');
    if (!show) { if (b) b.remove(); return; }
    if (b) return;
    b = document.createElement('li');
    b.className = 'older';
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'link';
    btn.textContent = 'Load older messages';
    btn.addEventListener('click', () => loadMessages(false));
    b.append(btn);
    el.messages.prepend(b);
  }

  // A conversation opened with unread messages: a "New messages" line above the first of
  // them, as chat apps draw it, so that the reader finds where they left off; it stays while
  // the conversation is open.  Not when the unread began above the first page (the line
  // would say they begin where they do not).  Before, the unread ran on from the read ones
  // with nothing between (test_web.py::test_the_unread_begin_below_a_line).
  function unreadDivider(o) {
    const at = o.dividerAt;
    o.dividerAt = null;
    if (at === null || at === undefined) return;
    dividerAt(at);
  }

  // The line above the first message of the other person's after `at` (a read marker), in
  // place of any other; none when that is the first shown and older pages are still to load
  // (it may be further up).
  function dividerAt(at) {
    const shown = [...shownMessages()];
    const i = shown.findIndex((li) => li.dataset.at > at && !li.classList.contains('mine'));
    if (i < 0 || (i === 0 && state.open && state.open.cursor)) return;
    const li = document.createElement('li');
    li.className = 'divider';
    li.setAttribute('role', 'separator');
    li.dataset.at = at;
    li.textContent = 'New messages';
    const keep = keepsNewest();
    dropDivider();
    shown[i].before(li);
    keep();
  }

  function dropDivider() {
    for (const li of el.messages.querySelectorAll('li.divider')) li.remove();
  }

  // The messages under the line deleted: it goes with them, not left above nothing
  // (test_web.py::test_the_line_goes_with_the_unread_deleted).
  function dropDividerAboveNothing() {
    for (const li of el.messages.querySelectorAll('li.divider')) {
      let n = li.nextElementSibling;
      while (n && !n.matches('li[data-uuid]')) n = n.nextElementSibling;
      if (!n) li.remove();
    }
  }

  // The line follows the reading, as chat apps' does.  The other person's message arriving
  // in the open conversation while the reader is away (the tab hidden, the list showing at
  // phone width) when everything before it was read: the line moves above it,
  // so the reader coming back finds where the news begin.  A line above messages still
  // unread stays.  One's own message (sent here or elsewhere) reads everything before it:
  // the line goes.  Before, the line stayed where the conversation was opened, above
  // messages read and answered long ago, and news that came while the tab was hidden ran on
  // from them with nothing between (test_web.py::test_the_line_moves_to_what_came_unseen).
  function dividerFollows(m, c, mine) {
    const o = state.open;
    if (!o || !c || o.group !== c.uuid) return;
    if (mine) { dropDivider(); return; }
    // away: reading older messages here, the "↓ new messages" bar says it (and the view
    // stays as it is: test_web.py::test_new_messages_while_reading_older_ones)
    const away = document.visibilityState !== 'visible' || shownGroup() !== o.group;
    if (!away || m.created_at <= c.readTo) return;
    const first = [...shownMessages()].find((li) => li.dataset.at > c.readTo &&
      !li.classList.contains('mine'));
    const line = el.messages.querySelector('li.divider');
    if (first && first.dataset.uuid === m.uuid &&
        !(line && line.nextElementSibling === first)) {
      dividerAt(c.readTo);
    }
  }

  async function loadMessages(first) {
    const o = state.open;
    if (!o || !o.group || o.loading || (!first && !o.cursor)) return;
    const gen = state.gen;
    o.loading = true;
    const q = new URLSearchParams({ limit: String(PAGE_MESSAGES) });
    if (!first) q.set('cursor', o.cursor);
    try {
      const { data, next } = await api('GET',
        `/api/messages/${encodeURIComponent(o.group)}?${q}`);
      if (state.open !== o) return;
      const list = el.messages;
      if (first) {
        for (const m of data) addMessage(m);
        list.scrollTop = list.scrollHeight;
        noteSeen();
      } else {
        // Older page (listed oldest -> newest): prepend, keeping what is on screen in place.
        const fromBottom = list.scrollHeight - list.scrollTop;
        const top = list.querySelector('li:not(.older)');
        const frag = document.createDocumentFragment();
        for (const m of data) {
          if (o.seen.has(m.uuid)) continue;
          o.seen.add(m.uuid);
          frag.append(messageEl(m));
        }
        list.insertBefore(frag, top);
        // a "Not sent" that failed before the oldest shown stood at the top: in its place
        if (top && top.classList.contains('pending')) {
          for (const li of list.querySelectorAll('li.pending')) placeByAt(li);
        }
        list.scrollTop = list.scrollHeight - fromBottom;
        windowBelow(o);
      }
      if (next && data.length) o.cursors.set(data[0].uuid, next);
      // after the first page's messages went in: messages older than the oldest shown are
      // left for the older pages while there is a cursor (addMessage)
      o.cursor = next;
      olderButton(!!o.cursor);
      if (first) unreadDivider(o);
      loadFailed(o, null);
    } catch (e) {
      if (gen !== state.gen) return; // the previous user's: not told to the next one
      if (state.open === o && !sessionEnded(e)) loadFailed(o, e, () => loadMessages(first));
      handleError(e);
      return;
    } finally {
      o.loading = false;
    }
    const list = el.messages;
    if (state.open === o && o.cursor && list.scrollHeight <= list.clientHeight + 40) {
      loadMessages(false);
    }
  }

  // Scrolled back, the open conversation keeps a window of at most MAX_SHOWN messages too:
  // with every page kept, an older page put above ~2,000 shown cost 85-94 ms of the
  // renderer's main thread in one frame (style, layout, pre-paint and paint of them all;
  // ~14 ms at 400), and the reader's scrolling stalled.  Over the bound, an older page lets
  // go of the newest ones at the far bottom (windowBelow), which come back by ?after= on
  // scrolling down (loadNewer); going down, the oldest at the far top are let go of
  // (windowAbove), back by the cursor their page was loaded with
  // (test_web.py::test_an_older_page_at_2000_messages_keeps_frames_short).  Live messages
  // wait (o.held) while the newest are not shown.
  const shownMessages = () => el.messages.querySelectorAll('li[data-uuid]');
  const maxShown = () => Number(el.messages.dataset.max) || MAX_SHOWN;

  function windowBelow(o) {
    const shown = shownMessages();
    const over = shown.length - maxShown();
    if (over <= 0) return;
    for (let i = shown.length - over; i < shown.length; i++) {
      o.seen.delete(shown[i].dataset.uuid);
      shown[i].remove();
    }
    o.newer = shown[shown.length - over - 1].dataset.at;
    // "Sending…" and "Not sent" belong below the newest: with the newest let go of, they
    // stood below a gap (scrolling down showed them right after an old message); they wait
    // in the outbox and come back when the newest do (loadNewer; showEntry)
    // (test_web.py::test_a_long_conversation_stays_bounded_at_its_newest)
    for (const li of el.messages.querySelectorAll('li.pending')) li.remove();
  }

  function windowAbove(o) {
    const shown = shownMessages();
    const over = shown.length - maxShown();
    let cut = over;
    while (cut > 0 && cut < shown.length && !o.cursors.has(shown[cut].dataset.uuid)) cut++;
    if (over <= 0 || cut >= shown.length) return;
    const list = el.messages;
    const fromBottom = list.scrollHeight - list.scrollTop;
    for (let i = 0; i < cut; i++) {
      o.seen.delete(shown[i].dataset.uuid);
      shown[i].remove();
    }
    o.cursor = o.cursors.get(shown[cut].dataset.uuid);
    olderButton(true);
    list.scrollTop = list.scrollHeight - fromBottom;
  }

  // The messages after the newest shown (?after=, oldest first), while it is not the newest.
  async function loadNewer() {
    const o = state.open;
    if (!o || !o.group || o.loading || !o.newer) return;
    const gen = state.gen;
    o.loading = true;
    const q = new URLSearchParams({ limit: String(PAGE_MESSAGES), after: o.newer });
    try {
      const { data } = await api('GET', `/api/messages/${encodeURIComponent(o.group)}?${q}`);
      if (state.open !== o) return;
      const list = el.messages;
      const pending = list.querySelector('li.pending');
      for (const m of data) {
        if (o.seen.has(m.uuid)) continue;
        o.seen.add(m.uuid);
        list.insertBefore(messageEl(m), pending);
      }
      // a page that is not full is the newest (a full one may be followed by an empty one)
      o.newer = data.length === PAGE_MESSAGES ? data[data.length - 1].created_at : null;
      if (!o.newer) {
        const held = o.held.splice(0);
        for (const m of held) addMessage(m);
        for (const x of outbox) if (sameHandle(x.handle, o.handle)) showEntry(x);
      }
      windowAbove(o);
      loadFailed(o, null, null, true);
    } catch (e) {
      if (gen !== state.gen) return;
      if (state.open === o && !sessionEnded(e)) loadFailed(o, e, loadNewer, true);
      handleError(e);
    } finally {
      o.loading = false;
    }
  }

  // A page of messages that did not come (no answer in answerTimeoutMs, the server down or
  // refusing): said where it was to be, in words, with "Try again" (retry), at the top of
  // the open conversation (the first page, an older one) or at its bottom (below: a newer
  // one); the notice (role=alert) reads the reason out.  What was typed and the open
  // conversation stay.  Before, a page that never came left the conversation empty, with
  // nothing to try again but leaving and opening it anew; an older page's retry only by
  // scrolling (test_web.py::test_requests_into_a_stalled_server_are_given_up_and_tried_again).
  // e null: the page came, what said it did not goes.  The top's line and the bottom's are
  // each their own (data-where): an older page failing and then a newer one keeps both, each
  // with its Try again, and a page that comes takes away only its own end's line; before,
  // there was one line for the whole conversation, the second failure replaced the first and
  // any page that came took away the other end's (r32b L6;
  // test_web.py::test_each_end_keeps_its_own_did_not_load_line).
  function loadFailed(o, e, retry, below) {
    failedLine(el.messages, 'li', 'messages', e, () => {
      if (state.open === o && !o.loading) retry();
    }, el.messages, (li) => {
      if (below) el.messages.insertBefore(li, el.messages.querySelector('li.pending'));
      else el.messages.insertBefore(li, el.messages.querySelector('li:not(.older)'));
    }, below ? 'below' : 'top');
  }

  // "<What> did not load: <why>. Try again" in box, put there by put(line); e null: the line
  // goes (the focus, if it was on it, to focusTo).  A line there already at the same place
  // (where: its data-where) is replaced, its focus kept on the new one's button.
  function failedLine(box, tag, what, e, retry, focusTo, put, where = 'here') {
    const had = box.querySelector(`:scope > .load-failed[data-where="${where}"]`);
    const focused = !!had && had.contains(document.activeElement);
    if (had) had.remove();
    if (!e) {
      if (focused) focusTo.focus({ preventScroll: true }); // where what was asked for came
      return;
    }
    const line = document.createElement(tag);
    line.className = 'load-failed';
    line.dataset.where = where;
    const why = document.createElement('span');
    why.textContent = `${what.charAt(0).toUpperCase()}${what.slice(1)} did not load: ` +
      `${String(e.message || e).replace(/[.!]+$/, '')}. `;
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link';
    b.textContent = 'Try again';
    b.setAttribute('aria-label', `Try again to load the ${what}`);
    b.addEventListener('click', retry);
    line.append(why, b);
    put(line);
    if (focused) b.focus({ preventScroll: true });
  }

  el.messages.addEventListener('scroll', () => {
    noteSeen();
    if (!el.jump.hidden && nearBottom() && state.open && !state.open.newer) clearBelow();
    if (el.messages.scrollTop < 80) loadMessages(false);
    else if (nearBottom() && state.open && state.open.newer) loadNewer();
    else if (nearBottom()) boundToNewest();
  });

  // What was typed and not sent stays with its conversation (by the other person's handle):
  // the composer kept it across conversations, so a reply typed for one went to another
  // (test_web.py::test_each_conversation_keeps_its_draft).
  const drafts = new Map();
  function keepDraft() {
    if (!state.open) return;
    const key = state.open.handle.toLowerCase();
    if (el.text.value.trim()) drafts.set(key, el.text.value);
    else drafts.delete(key);
  }

  // hist: how the history learns of it: a new entry (undefined: the reader chose it),
  // 'replace' (the entry there names it: an address typed, a draft that got its uuid) or
  // 'none' (the history brought it: Back, Forward, a reload).
  function openConversation(group, handle, displayName, focusComposer, hist) {
    keepDraft();
    el.text.value = drafts.get(handle.toLowerCase()) || '';
    updateCount();
    state.open = {
      group, handle, display_name: displayName, cursor: null, loading: false, seen: new Set(),
      newer: null, held: [], cursors: new Map(),
    };
    for (const b of el.conversations.querySelectorAll('button[aria-current]')) {
      b.removeAttribute('aria-current');
    }
    if (group) {
      const c = state.convs.get(group);
      if (c && c.li) c.li.firstChild.setAttribute('aria-current', 'true');
    }
    el['conv-title'].dir = 'auto';
    el['conv-title'].textContent = displayName || handle;
    // the whole name where the heading cuts it with an ellipsis (64 letters at 375 px)
    el['conv-title'].title = displayName || handle;
    el['conv-handle'].textContent = `@${handle}`;
    el.messages.replaceChildren();
    clearBelow();
    el['conv-none'].hidden = true;
    el.conv.hidden = false;
    el.app.classList.add('show-conv');
    const c = group && state.convs.get(group);
    // where the unread begin, for the divider the first page puts above them (unreadDivider)
    state.open.dividerAt = c && unreadCount(c) ? c.readTo : null;
    if (c && unreadCount(c) && document.visibilityState === 'visible') {
      readThrough(c, c.created_at); // opened: read (the server learns it once it shows)
    }
    updateTitle();
    for (const x of outbox) if (sameHandle(x.handle, handle)) showEntry(x);
    if (focusComposer === 'messages') el.messages.focus({ preventScroll: true });
    else if (focusComposer) el.text.focus();
    if (hist !== 'none') remember(state.open, hist === 'replace');
    if (group) loadMessages(true);
  }

  // No conversation open (Back to before the first one opened).
  function closeConversation() {
    keepDraft();
    state.open = null;
    el.text.value = '';
    updateCount();
    for (const b of el.conversations.querySelectorAll('button[aria-current]')) {
      b.removeAttribute('aria-current');
    }
    el.messages.replaceChildren();
    el.jump.hidden = true;
    el['conv-title'].textContent = '';
    el['conv-title'].removeAttribute('title');
    el['conv-handle'].textContent = '';
    el.conv.hidden = true;
    el['conv-none'].hidden = false;
    el.app.classList.remove('show-conv');
    updateTitle();
  }

  // The open conversation is in the address, #c=<message_group_uuid>, so the browser's Back
  // and Forward go from one conversation to another and a reload opens the same one
  // (test_web.py::test_back_forward_and_reload_keep_the_open_conversation).  The history's
  // state is a marker only, and a draft (no uuid yet) is not in the address: a page cannot
  // remove the earlier entries of its tab's history, so they name no one; Back after sign-out
  // clears the address it lands on (test_sign_out_leaves_nothing_of_the_user).
  // An entry pushed over the list (no conversation open) says so (list: 1): the page's own
  // Back (←) is then the browser's, so the history holds the list once and Forward opens the
  // conversation again.
  function remember(o, replace) {
    if (!o.group) return;
    const url = `${location.pathname}${location.search}#c=${encodeURIComponent(o.group)}`;
    if (replace || location.hash === url.slice(url.indexOf('#'))) {
      const was = history.state && history.state.ddbchat ? history.state : {};
      history.replaceState({ ddbchat: 1, list: was.list ? 1 : 0 }, '', url);
    } else {
      history.pushState({ ddbchat: 1, list: /^#c=/.test(location.hash) ? 0 : 1 }, '', url);
    }
  }

  // Loaded with a conversation in the address and no entry of the page's own before it (a
  // bookmark, a link, a notification's click in a new tab): the list goes in under it, so
  // the browser's Back (a phone's back button, gesture) shows the list rather than leaving
  // the page, as the page's ← does.  A reload keeps its entry's state: nothing goes in again.
  // Before session 31 Back from there left the page
  // (test_web.py::test_the_page_on_a_phone).
  function listUnder() {
    if (!/^#c=[^&]+$/.test(location.hash) || (history.state && history.state.ddbchat)) return;
    const url = location.href;
    history.replaceState({ ddbchat: 1 }, '', location.pathname + location.search);
    history.pushState({ ddbchat: 1, list: 1 }, '', url);
  }

  // Opens what the address names (after sign-in, Back, Forward).
  function fromAddress() {
    const h = /^#c=([^&]+)$/.exec(location.hash);
    const group = h ? decodeURIComponent(h[1]) : '';
    if (!group) {
      if (state.open) closeConversation();
    } else if (!state.open || state.open.group !== group) {
      openByGroup(group);
    }
  }

  // A conversation named by its uuid only: whom it is with comes from the list (its first
  // page loaded first), or else from GET /api/message_groups/<uuid>, which puts it in the
  // list in its place: its messages may all be the reader's, naming no one else
  // (test_web.py::test_new_to_a_handle_with_history_shows_the_history); one that is not the
  // reader's is said in words (the server's 404).
  async function openByGroup(group) {
    const gen = state.gen;
    let c = state.convs.get(group);
    if (!c && !state.listLoaded) {
      state.wantGroup = group; // loadConversations opens it
      return;
    }
    if (!c) {
      try {
        const { data } = await api('GET', `/api/message_groups/${encodeURIComponent(group)}`);
        if (gen !== state.gen) return;
        listed(data);
        c = state.convs.get(data.uuid);
      } catch (e) {
        if (gen !== state.gen) return;
        if (e.status === 404) {
          showNotice('The conversation in the address was not found in your conversations.');
        } else {
          handleError(e);
        }
        return;
      }
    }
    openConversation(c.uuid, c.handle, c.display_name, false, 'replace');
  }

  window.addEventListener('popstate', () => {
    if (state.token && state.me) fromAddress();
    else if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  });

  // A draft (New, by handle) learns its conversation from its first message sent or
  // received.  The pair may have talked before (a conversation the list has not loaded yet):
  // its history is loaded then, not only the messages of this view
  // (test_web.py::test_new_to_a_handle_with_history_shows_the_history).
  function adoptGroup(o, group) {
    o.group = group;
    if (state.open === o) remember(o, false);
    loadMessages(true);
  }

  // The page's own Back (phone width): the list, and the address says so (a reload showed
  // the conversation left again: test_web.py::
  // test_back_forward_and_reload_keep_the_open_conversation).
  el.back.addEventListener('click', () => {
    const c = state.open && state.open.group && state.convs.get(state.open.group);
    const overList = !!(state.me && state.open && state.open.group && history.state &&
      history.state.ddbchat && history.state.list && /^#c=/.test(location.hash));
    closeConversation();
    if (overList) history.back(); // the list's entry is the one before: popstate finds it so
    else if (state.me) {
      history.replaceState({ ddbchat: 1 }, '', location.pathname + location.search);
    }
    if (c && c.li) c.li.firstChild.focus();
  });

  // ---- one's own display name ------------------------------------------------------------

  // "Name" (top bar) opens a form holding the name as it is; Save changes it (PUT /api/me):
  // the people the user writes to see it at once (their pages by the stream's rename event),
  // the user's other tabs by the tabs' channel.  A user with more conversations than one
  // request renames in half its deadline gets conversations_left > 0: the same PUT goes
  // again until none are left (NAME_TRIES at most, then said), after the answer's
  // Retry-After when it has one (the server's "stopped": a busy conversation or a storage
  // error answers 200 + Retry-After: 1, and the 20 PUTs went back to back).  Then saving the
  // same name again goes on with it (nameLeft); before, the form closed with no request, so
  // the notice's "save it again" did nothing (test_web.py::
  // test_saving_ones_name_again_goes_on_with_the_rename).  What the server refuses
  // (invalid_display_name) is said in its words and the form stays as typed.  Escape or
  // Cancel closes it, the focus back on "Name".  Before, the page could not change the
  // name: only the API or `ddbchat user rename` could
  // (test_web.py::test_changing_ones_own_name).
  const NAME_TRIES = 20;
  const NAME_WAIT_MAX_MS = 10000; // a longer Retry-After: the loop stops and says so
  let nameRefusal = null; // the notice Save put up (a refusal, conversations left): it goes
  // once a name is saved in full
  let nameLeft = null; // { gen, name, left } of the last unfinished rename
  // A rename left unfinished (conversations left when the page that saved it gave up, was
  // reloaded or closed, or its server stopped mid-walk): GET /api/me says so
  // (rename_unfinished, the user row's resume mark), and saving the same name goes on with
  // it here too.  Before, only the tab that saved it knew: after a reload Save closed the
  // form with no request and the other people kept the old name
  // (test_web.py::test_a_rename_left_unfinished_goes_on_after_a_reload).
  function renameLeftOver(me) {
    nameLeft = null;
    if (!me || me.rename_unfinished !== true) return;
    nameLeft = { gen: state.gen, name: me.display_name, left: 0 };
    showNotice('Your last change of name is not finished: some of your conversations ' +
      'still show the old one to the other person. Open “Name” and save it again to go on.');
    nameRefusal = el['notice-text'].textContent; // it goes once the rest is saved
  }
  function showMe() {
    const myName = document.createElement('bdi');
    myName.textContent = state.me.display_name;
    el.me.replaceChildren(myName, ` (@${state.me.handle})`);
  }
  function openName() {
    el['name-form'].hidden = false;
    el['name-btn'].setAttribute('aria-expanded', 'true');
    el['name-input'].value = state.me ? state.me.display_name : '';
    el['name-input'].focus();
    el['name-input'].select();
  }
  function closeName(focus) {
    el['name-form'].hidden = true;
    el['name-btn'].setAttribute('aria-expanded', 'false');
    el['name-input'].value = '';
    delete el['name-save'].dataset.busy;
    el['name-save'].disabled = false;
    if (focus) el['name-btn'].focus();
  }
  el['name-btn'].addEventListener('click', () => {
    if (el['name-form'].hidden) openName();
    else closeName(true);
  });
  el['name-cancel'].addEventListener('click', () => closeName(true));
  el['name-form'].addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || ev.isComposing) return;
    ev.preventDefault();
    ev.stopPropagation(); // not also Back (phone width)
    closeName(true);
  });
  // The new name here and in the user's other tabs (the channel's 'me').
  function myNameIs(name) {
    if (!state.me || !name || state.me.display_name === name) return;
    state.me.display_name = name;
    showMe();
  }
  el['name-form'].addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const name = el['name-input'].value.trim();
    if (!name || !state.me || el['name-save'].dataset.busy) return;
    const goOn = nameLeft && nameLeft.gen === state.gen && nameLeft.name === name;
    if (name === state.me.display_name && !goOn) { closeName(true); return; }
    const gen = state.gen;
    el['name-save'].dataset.busy = '1';
    el['name-save'].disabled = true;
    try {
      let left = 0;
      for (let i = 0; i < NAME_TRIES; i++) {
        const { data, retryAfterMs: pause } = await api('PUT', '/api/me', { display_name: name });
        if (gen !== state.gen) return;
        myNameIs(data && data.display_name ? data.display_name : name);
        if (state.share) {
          state.share.bc.postMessage({ type: 'me', display_name: state.me.display_name });
        }
        left = data && Number.isInteger(data.conversations_left) ? data.conversations_left : 0;
        // kept at each answer: a later repeat that fails leaves it, so saving the same name
        // again goes on (it closed the form with no request)
        nameLeft = left > 0 ? { gen, name: state.me.display_name, left } : null;
        if (left <= 0 || i === NAME_TRIES - 1 || pause > NAME_WAIT_MAX_MS) break;
        if (pause) {
          await new Promise((resolve) => setTimeout(resolve, pause));
          if (gen !== state.gen) return;
        }
      }
      nameLeft = left > 0 ? { gen, name: state.me.display_name, left } : null;
      closeName(true);
      if (nameRefusal !== null && !el.notice.hidden &&
          el['notice-text'].textContent === nameRefusal) hideNotice();
      nameRefusal = null;
      if (left > 0) {
        showNotice(`Your name is changed; ${left} of your conversations still show the ` +
          'old one to the other person: save it again to go on.');
        nameRefusal = el['notice-text'].textContent; // it goes once the rest is saved
      }
    } catch (e) {
      if (gen !== state.gen) return;
      delete el['name-save'].dataset.busy;
      el['name-save'].disabled = false;
      // no answer (given up after answerTimeoutMs: api), the server out of reach: the form
      // stays open with the name typed, and the notice says Save tries again; the focus,
      // dropped to the page by the disabled Save, goes back to the name.  Before, a server
      // that never answered left Save greyed out for good, the name unsaved
      // (test_web.py::test_requests_into_a_stalled_server_are_given_up_and_tried_again)
      if (outOfReach(e)) {
        showNotice(`Your name may not be saved: ${String(e.message).replace(/[.!]+$/, '')}. ` +
          '“Save” tries again.', true);
      } else handleError(e);
      nameRefusal = el.notice.hidden ? null : el['notice-text'].textContent;
      const a = document.activeElement;
      if (!el['name-form'].hidden && (!a || a === document.body)) el['name-input'].focus();
    }
  });

  // ---- deleting one's own message --------------------------------------------------------

  // One's own stored message has a "Delete" button in its meta line (a button: reached by
  // Tab, Shift+Tab from the composer finds the newest first; its name says which message).
  // It asks first, in the message itself (no window.confirm: a modal dialog stops the page,
  // its stream and its timers, and a screen reader hears a group "Delete this message for
  // both of you?" with its two buttons, the focus on Cancel: Enter at once keeps the
  // message); Escape or Cancel puts the focus back on "Delete".  Deleting
  // (DELETE /api/messages/<g>/<created_at>) takes it off the page at once, "Deleting…"
  // meanwhile; the other person's page and this user's other tabs and devices drop it by
  // the stream's "delete" event, and every list redraws
  // the conversation's item from the server (the message before it, the counts; none left:
  // the conversation leaves the list).  One deleted already (another tab, another device) is
  // no error: the server's 204 again, or 404 when none is left: it goes quietly.  What the
  // server refuses is said in its words and the message stays
  // (test_web.py::test_deleting_ones_own_message).
  function deleteButton(li, m) {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'link del';
    b.textContent = 'Delete';
    b.setAttribute('aria-label', `Delete your message: ${short(m.message)}`);
    b.addEventListener('click', () => askDelete(li, m, b));
    return b;
  }

  function askDelete(li, m, b) {
    const meta = b.parentNode;
    if (!meta || li.querySelector('.ask')) return;
    const ask = document.createElement('span');
    ask.className = 'ask';
    ask.setAttribute('role', 'group');
    ask.setAttribute('aria-label', 'Delete this message for both of you?');
    const q = document.createElement('span');
    q.textContent = 'Delete for both of you? ';
    const yes = document.createElement('button');
    yes.type = 'button';
    yes.className = 'link yes';
    yes.textContent = 'Delete';
    yes.setAttribute('aria-label', `Yes, delete: ${short(m.message)}`);
    const no = document.createElement('button');
    no.type = 'button';
    no.className = 'link no';
    no.textContent = 'Cancel';
    const back = () => {
      ask.replaceWith(b);
      b.focus();
    };
    no.addEventListener('click', back);
    ask.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape') return;
      ev.preventDefault();
      ev.stopPropagation(); // not also Back (phone width)
      back();
    });
    yes.addEventListener('click', () => {
      const focused = ask.contains(document.activeElement);
      ask.replaceWith(b);
      deleteMessage(li, m, focused);
    });
    ask.append(q, yes, ' ', no);
    const stick = keepsNewest();
    b.replaceWith(ask);
    stick();
    // the focus starts on Cancel: Enter (or Space) at once keeps the message; deleting for
    // both takes a deliberate move to Delete (Shift+Tab, or a click)
    no.focus();
  }

  // focused: the focus was on the question, which goes: it waits in the list of messages,
  // then goes to the composer (or back to Delete when the delete failed).
  async function deleteMessage(li, m, focused) {
    const o = state.open;
    const group = m.message_group_uuid || (o && o.group);
    if (!group) return;
    const gen = state.gen;
    const meta = li.querySelector('.meta');
    const was = meta ? [...meta.childNodes] : [];
    li.classList.add('deleting');
    if (focused) el.messages.focus({ preventScroll: true });
    if (meta) meta.textContent = 'Deleting…';
    try {
      // given up as any request is (api: answerTimeoutMs): a hung server left it
      // "Deleting…" for minutes; the message is back with its Delete and the notice says the
      // server did not answer (test_web.py::test_a_delete_into_a_hung_server_is_given_up)
      await api('DELETE', `/api/messages/${encodeURIComponent(group)}/` +
        `${encodeURIComponent(m.created_at)}`);
    } catch (e) {
      if (gen !== state.gen) return;
      if (e.status !== 404) { // 404: the conversation has no message left: gone already
        li.classList.remove('deleting');
        if (meta) meta.replaceChildren(...was);
        handleError(e);
        const b = li.querySelector('.del');
        const waiting = document.activeElement === el.messages;
        if (focused && waiting && b && li.isConnected) b.focus();
        return;
      }
    }
    if (gen !== state.gen) return;
    const waiting = document.activeElement === el.messages ||
      document.activeElement === document.body;
    deleted(group, m.created_at);
    if (focused && waiting && state.open && !el.conv.hidden) el.text.focus();
  }

  // The message of group at created_at is deleted (here, or said by the stream): off the
  // open conversation, out of the counts, and the conversation's item as the server has it
  // now.  Once per message: this page's own delete and its event both say it.
  const deletedSeen = new Set();
  function deleted(group, at) {
    const key = `${group} ${at}`;
    if (deletedSeen.has(key)) return;
    deletedSeen.add(key);
    if (deletedSeen.size > 200) deletedSeen.delete(deletedSeen.values().next().value);
    const o = state.open;
    if (o && o.group === group) {
      o.held = o.held.filter((h) => h.created_at !== at);
      for (const li of el.messages.querySelectorAll('li[data-uuid]')) {
        if (li.dataset.at !== at) continue;
        // the other person took it back: a screen reader hears that, as it heard it come,
        // but not what it said (what its sender took back is not read out again)
        // (test_web.py::test_deleting_ones_own_message)
        if (!li.classList.contains('mine')) {
          const who = li.querySelector('.meta bdi');
          announce(`${who ? who.textContent : 'The other person'} deleted a message.`);
        }
        const stick = keepsNewest();
        o.seen.delete(li.dataset.uuid);
        li.remove();
        dropDividerAboveNothing();
        stick();
      }
    }
    const note = notes.get(group);
    if (note && note.at === at) {
      notes.delete(group);
      try { note.n.close(); } catch (e) { /* gone already */ }
    }
    const c = state.convs.get(group);
    if (!c) { // not loaded: its share of the title's unread may have changed
      if (state.unreadRest && state.listLoaded) relistSoon();
      return;
    }
    for (const [u, t] of c.unread) if (t === at) c.unread.delete(u);
    redrawCount(c);
    relistOne(group);
  }

  // The conversation's item again (GET /api/message_groups/<g>) after a delete: its newest
  // message may now be an older one (its place in the list moves down) and its unread count
  // one less; none left, it stays with "message": "" (drawn "No messages"); 404: it is no
  // longer this user's, and it leaves the list (the open one becomes a draft to them).
  async function relistOne(group) {
    const gen = state.gen;
    const askedAt = Date.now();
    const had = state.convs.get(group);
    const wasAt = had ? had.created_at : null;
    let it = null;
    try {
      ({ data: it } = await api('GET', `/api/message_groups/${encodeURIComponent(group)}`));
    } catch (e) {
      if (gen !== state.gen) return;
      if (e.status === 404) dropConversation(group);
      else if (sessionEnded(e)) handleError(e);
      return;
    }
    const c = state.convs.get(group);
    if (gen !== state.gen || !c || !it || it.uuid !== group) return;
    if (it.created_at > c.created_at) { listed(it, askedAt); return; } // a newer one came
    // a message came (its event) while this was asked: the answer may have been read
    // before it and would put the deleted one's predecessor back as the last line; ask
    // again (test_web.py::test_a_message_during_a_deletes_reload_stays_the_last_line)
    if (c.created_at !== wasAt) { relistOne(group); return; }
    c.message = it.message;
    c.created_at = it.created_at;
    if (!(c.namedAt >= askedAt)) takeName(c, it.display_name);
    c.baseAt = it.created_at;
    countsFrom(c, it);
    placeConversation(c);
    updateTitle();
  }

  // After a gap in the stream (a reconnection): the open conversation's newest page again,
  // and what it shows there that the page no longer has is gone (a delete event missed: it
  // is not replayed).  Only while the newest are shown (scrolled back, the window loads
  // them anew on the way down).
  async function recheckOpen(o) {
    if (o.newer || o.loading) return;
    const group = o.group;
    // what was shown before asking: a message that comes live meanwhile is not the page's
    const before = new Set([...el.messages.querySelectorAll('li[data-uuid]')]
      .map((li) => li.dataset.uuid));
    let data;
    try {
      ({ data } = await api('GET',
        `/api/messages/${encodeURIComponent(group)}?limit=${PAGE_MESSAGES}`));
    } catch (e) {
      // 404: no message is left (deleted while away): it leaves the list, as in relistOne
      // (test_web.py::test_conversations_emptied_while_away_leave_on_reconnecting)
      if (e.status === 404 && state.open === o && o.group === group) dropConversation(group);
      return; // else tried again at the next reconnection
    }
    if (state.open !== o || o.newer || !Array.isArray(data)) return;
    const have = new Set(data.map((m) => m.uuid));
    // the whole conversation when the page is not full, else from its oldest on
    const from = data.length < PAGE_MESSAGES ? '' : data[0].created_at;
    for (const li of [...el.messages.querySelectorAll('li[data-uuid]')]) {
      if (before.has(li.dataset.uuid) && !have.has(li.dataset.uuid) && li.dataset.at >= from) {
        deleted(o.group, li.dataset.at);
      }
    }
  }

  function dropConversation(group) {
    const c = state.convs.get(group);
    if (!c) return;
    const hadFocus = c.li && c.li.contains(document.activeElement);
    state.convs.delete(group);
    if (c.li) c.li.remove();
    el['list-empty'].hidden = state.convs.size > 0;
    updateTitle();
    const o = state.open;
    if (o && o.group === group) {
      o.group = null; // a draft to them: the next message starts the conversation again
      history.replaceState({ ddbchat: 1 }, '', location.pathname + location.search);
      el.messages.replaceChildren();
      o.cursor = null;
      o.seen.clear();
      for (const x of outbox) if (sameHandle(x.handle, o.handle)) showEntry(x);
    }
    if (hadFocus) el['new-btn'].focus();
  }

  // "delete" {"message_group_uuid","created_at"}: a message of one of this user's
  // conversations was deleted (by its sender: the other person, or this user elsewhere).
  // No id, not replayed: a page that was away finds it gone in what it loads next.
  function onDeleteEvent(data) {
    let r;
    try { r = JSON.parse(data); } catch (e) { return; }
    if (r && typeof r.message_group_uuid === 'string' && typeof r.created_at === 'string') {
      deleted(r.message_group_uuid, r.created_at);
    }
  }

  // ---- new conversation by handle --------------------------------------------------------

  // "New" opens its form with the focus in it; Cancel or Escape (anywhere in the form) closes
  // it and gives the focus back to "New" (test_web.py::test_new_and_the_notice_by_keyboard).
  el['new-btn'].addEventListener('click', () => {
    el['new-form'].hidden = false;
    el['new-handle'].focus();
  });
  function closeNew() {
    el['new-form'].hidden = true;
    el['new-btn'].focus();
  }
  el['new-cancel'].addEventListener('click', closeNew);
  el['new-form'].addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || ev.isComposing) return;
    ev.preventDefault();
    ev.stopPropagation();
    closeNew();
  });
  // Handles are case-insensitive (ASCII letters; the server finds one person whatever the
  // case typed): compare them so (test_web.py::
  // test_new_to_a_handle_in_another_case_opens_the_conversation).
  function sameHandle(a, b) {
    return !!a && !!b && a.toLowerCase() === b.toLowerCase();
  }

  el['new-form'].addEventListener('submit', (ev) => {
    ev.preventDefault();
    const handle = el['new-handle'].value.trim().replace(/^@/, '');
    if (!handle) return;
    if (state.me && sameHandle(handle, state.me.handle)) {
      showNotice('You cannot message yourself.');
      return;
    }
    el['new-form'].hidden = true;
    el['new-handle'].value = '';
    openByHandle(handle);
  });

  function openByHandle(handle, hist) {
    for (const c of state.convs.values()) {
      if (sameHandle(c.handle, handle)) {
        openConversation(c.uuid, c.handle, c.display_name, true, hist);
        return;
      }
    }
    // A draft: the conversation starts with its first message (POST with the handle); an
    // unknown handle is reported then, in words.
    openConversation(null, handle, handle, true, hist);
  }

  // ---- composer (pattern C) --------------------------------------------------------------

  const charCount = (s) => { let n = 0; for (const _ of s) n++; return n; };

  function updateCount() {
    const n = charCount(el.text.value);
    const over = n > MAX_CHARS;
    el.count.textContent = over ? `${n} / ${MAX_CHARS}: too long by ${n - MAX_CHARS}` :
      `${n} / ${MAX_CHARS}`;
    if (over && !el.count.classList.contains('over')) {
      announce(`Too long: at most ${MAX_CHARS} characters; this one has ${n}.`);
    }
    el.count.classList.toggle('over', over);
    el.send.disabled = over;
  }

  // The outbox: messages on their way, in the order Enter was pressed, sent one at a time so
  // they are stored in that order.  Each is shown at once at the bottom of its conversation
  // ("Sending…") and the composer is free for the next one; Enter while one is on its way
  // queues the next (test_web.py::test_typing_on_while_a_send_is_on_its_way,
  // test_enter_pressed_quickly_sends_each_message_in_order).  Each message keeps one
  // Idempotency-Key for all its tries, so a try whose answer was lost and the next one store
  // it once.  One that fails stays in its conversation as "Not sent" with Retry and Discard,
  // a message of its own (never run into another text), also when another conversation was
  // opened meanwhile; the ones queued after it to the same person wait with it, so a retry
  // cannot put them out of order (test_web.py::test_failed_sends_stay_in_their_conversation).
  // One that waits for Retry (an answer such as a 500, not a server or network gone: those
  // go by themselves before any later send) stays where it was typed (anchor: after the
  // conversation's newest message when Enter was pressed, or one's own message stored from
  // the outbox before it, whichever is later): what is sent or comes after it shows below
  // it, as Signal and WhatsApp Web keep a failed message in its place.  It used to float
  // below everything, so a message typed after it and sent showed above it, as if sent
  // first; then it was put after the newest message when it failed, so the other person's
  // reply that came while it was on its way showed above it
  // (test_web.py::test_a_failed_send_stays_where_it_was_typed).  Retry sends it after what
  // went meanwhile, so it moves to the bottom, "Sending…", where the other person will see
  // it, as Telegram's resend does
  // (test_web.py::test_a_failed_send_keeps_its_place_and_retry_moves_it_last).
  // The outbox is kept in sessionStorage (OUTBOX_KEY, with the user's uuid) as it changes: a
  // reload lost every message not sent yet without a word.  After one, what was on its way
  // is sent again with its own Idempotency-Key (stored once), what waited for Retry waits
  // again where it was typed, and a notice says so (restoreOutbox).  The end of a session (a
  // 401) keeps it for the same user's next sign-in (signOut); Sign out removes it.
  // Entries name the conversation by the other person's handle: a draft has no uuid yet.
  // {handle, name, body, key, state: 'queued'|'sending'|'failed', li, after, anchor, why}
  const outbox = [];

  // ended: the session ended (signOut), for restoreOutbox's notice.
  function saveOutbox(ended) {
    if (!state.me) return;
    try {
      if (!outbox.length) { sessionStorage.removeItem(OUTBOX_KEY); return; }
      sessionStorage.setItem(OUTBOX_KEY, JSON.stringify({ user: state.me.uuid,
        handle: state.me.handle, ended: !!ended,
        entries: outbox.map((x) => ({ handle: x.handle, name: x.name, body: x.body,
          key: x.key, state: x.state, after: x.after, anchor: x.anchor, why: x.why,
          offline: !!x.offline, auto: !!x.auto, triedAt: x.triedAt })) }));
    } catch (e) {
      // storage full or refused: the outbox still works, only not across a reload
    }
  }

  function keptOutbox() {
    let k = null;
    try { k = JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || 'null'); } catch (e) { k = null; }
    return k && typeof k.user === 'string' && Array.isArray(k.entries) ? k : null;
  }
  const nMessages = (n) => (n === 1 ? 'A message' : `${n} messages`);

  // The drafts (what is typed in each conversation and not sent yet), kept in sessionStorage
  // as they are typed (each input, and a send that clears one): a reload, the tab's renderer
  // crashing (nothing of the page runs then: no pagehide to save them in) and the end of a
  // session bring them back in their conversations for the same user; a plain reload lost
  // them (test_web.py::test_a_draft_outlives_a_reload_and_a_tab_crash).  sessionStorage, as
  // the token and the outbox: the sign-in is the tab's, and a draft left in localStorage
  // would stay on a shared machine after its tab was closed, signed in nowhere.
  function saveDrafts() {
    keepDraft();
    if (!state.me || !drafts.size) { sessionStorage.removeItem(DRAFTS_KEY); return; }
    try {
      sessionStorage.setItem(DRAFTS_KEY, JSON.stringify({ user: state.me.uuid,
        handle: state.me.handle, drafts: [...drafts] }));
    } catch (e) {
      // storage full or refused: lost as before, the sign-in view does not count them
    }
  }
  function keptDrafts() {
    let k = null;
    try { k = JSON.parse(sessionStorage.getItem(DRAFTS_KEY) || 'null'); } catch (e) { k = null; }
    return k && typeof k.user === 'string' && Array.isArray(k.drafts) ? k : null;
  }
  function restoreDrafts() {
    const k = keptDrafts();
    // kept while signed in (the next reload reads them again); another user's: removed and
    // said by restoreOutbox
    if (!k || k.user !== state.me.uuid) return;
    for (const e of k.drafts) {
      if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') {
        drafts.set(e[0], e[1]);
      }
    }
  }

  // What was kept when the session ended, in words: '' when nothing.
  function keptWhat(k, kd) {
    const n = k ? k.entries.length : 0;
    const dn = kd ? kd.drafts.length : 0;
    const m = `${nMessages(n)} not sent yet`;
    const t = `${dn === 1 ? 'a draft' : `${dn} drafts`}`;
    return n && dn ? `${m} and ${t}` : n ? m : dn ? t.charAt(0).toUpperCase() + t.slice(1) : '';
  }

  // What the sign-in view adds about a kept outbox and drafts: '' when none.
  function keptNote() {
    const k = keptOutbox();
    const kd = keptDrafts();
    const what = keptWhat(k, kd);
    if (!what) return '';
    const one = (k ? k.entries.length : 0) + (kd ? kd.drafts.length : 0) === 1;
    const h = (k && k.handle) || (kd && kd.handle);
    return ` ${what} ${one ? 'is' : 'are'} kept for when you sign in again` +
      `${typeof h === 'string' ? ` as @${h}` : ''}.`;
  }

  function restoreOutbox() {
    const kept = keptOutbox();
    const kd = keptDrafts();
    const other = (k) => k && k.user !== state.me.uuid;
    if (other(kept) || (!kept && other(kd))) {
      // another user's, kept when their session ended: not this user's to see or send, and
      // not discarded without a word
      sessionStorage.removeItem(OUTBOX_KEY);
      sessionStorage.removeItem(DRAFTS_KEY);
      const what = keptWhat(kept, other(kd) ? kd : null);
      const h = (kept && kept.handle) || (kd && kd.handle);
      const one = (kept ? kept.entries.length : 0) + (other(kd) ? kd.drafts.length : 0) === 1;
      if (what) {
        showNotice(`${what} of ${typeof h === 'string' ? `@${h}` : 'the previous user'} ` +
          `${one ? 'was' : 'were'} discarded: another user signed in.`);
      }
      return;
    }
    if (!kept) return;
    let waiting = 0;
    let going = 0;
    const whom = new Set(); // the handles of those waiting: a draft's is in no list yet
    for (const k of kept.entries) {
      if (!k || typeof k.handle !== 'string' || typeof k.body !== 'string' ||
          typeof k.key !== 'string') continue;
      const x = { handle: k.handle, name: k.name || k.handle, body: k.body, key: k.key,
        state: 'queued', li: null, triedAt: Number(k.triedAt) || 0,
        after: typeof k.after === 'string' ? k.after : '', anchor: null, why: '' };
      if (k.state === 'failed' && !k.auto && !k.offline) { // waits for Retry, in its place
        Object.assign(x, { state: 'failed', anchor: k.anchor || null, why: k.why || '' });
        waiting++;
        whom.add(`@${x.handle}`);
      } else {
        going++; // on its way, or to go by itself: goes now, with its own key
      }
      outbox.push(x);
    }
    saveOutbox();
    const where = () => 'with Retry and Discard, in the ' +
      `conversation${whom.size === 1 ? '' : 's'} with ${[...whom].join(', ')}`;
    if (kept.ended && (waiting || going)) {
      const n = waiting + going;
      const goes = (m) => (m === 1 ? 'goes' : 'go');
      const waits = (m) => (m === 1 ? 'waits' : 'wait');
      showNotice(`${nMessages(n)} not sent when the session ended ${n === 1 ? 'was' : 'were'} ` +
        'kept' + (waiting && going ? `: ${going} ${goes(going)} now, ${waiting} ${waits(waiting)}` +
          ` as "Not sent", ${where()}.` : going ? ` and ${goes(n)} now.` :
          ` and ${waits(n)} as "Not sent", ${where()}.`));
    } else if (waiting) {
      showNotice(`${waiting === 1 ? 'A message' : `${waiting} messages`} not sent before ` +
        `the reload ${waiting === 1 ? 'waits' : 'wait'} as "Not sent", with Retry and ` +
        `Discard, in the conversation${whom.size === 1 ? '' : 's'} with ${[...whom].join(', ')}.`);
    }
    if (going) sendOutbox();
  }

  // The newest message of the conversation with handle that this page knows of (stored: its
  // created_at), '' when none.
  function newestWith(handle) {
    const c = [...state.convs.values()].find((y) => sameHandle(y.handle, handle));
    const o = state.open;
    const shown = o && sameHandle(o.handle, handle) && !o.newer ? newestShown() : '';
    const at = (c && c.created_at) || '';
    return at > shown ? at : shown;
  }

  // getRandomValues, since randomUUID needs a secure context and the page may be served over
  // plain http.
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, '0')).join('');

  function send() {
    let o = state.open;
    const body = el.text.value;
    if (!o || !body.trim()) return;
    if (o.newer) { // scrolled back past the window: the conversation at its newest first
      openConversation(o.group, o.handle, o.display_name, true, 'none');
      o = state.open;
    }
    const n = charCount(body);
    if (n > MAX_CHARS) {
      showNotice(`The message has ${n} characters; at most ${MAX_CHARS} are allowed.`);
      return;
    }
    el.text.value = '';
    updateCount();
    dropDivider(); // what is answered was read (dividerFollows)
    saveDrafts(); // sent: no longer a draft, here or after a reload
    const x = { handle: o.handle, name: o.display_name, body, key: newKey(), state: 'queued',
      li: null, triedAt: 0, after: newestWith(o.handle) };
    requeueWaiting(); // what waits for the server goes first: a new send keeps the order
    outbox.push(x);
    showEntry(x);
    el.messages.scrollTop = el.messages.scrollHeight;
    el.text.focus();
    sendOutbox();
  }

  const short = (t) => {
    // counted and cut by the same measure, graphemes: by code points, ten family emoji (70)
    // came back whole with "…" after them (r33b #4;
    // test_web.py::test_a_delete_label_cuts_by_graphemes)
    const g = graphemes(t);
    return g.length > 40 ? `${g.slice(0, 40).join('')}…` : t;
  };

  // x shown in the open conversation, if it is x's: on its way, below every stored message;
  // failed, where it failed.
  function showEntry(x) {
    saveOutbox();
    const o = state.open;
    if (!o || !sameHandle(o.handle, x.handle)) return;
    if (o.newer) { // the newest are not shown: below them, once they are (windowBelow)
      if (x.li) x.li.remove();
      return;
    }
    const li = document.createElement('li');
    li.className = x.state === 'failed' ? 'mine pending failed' : 'mine pending';
    // '~' sorts after every created_at: addMessage puts new ones above it; a failed one's
    // anchor, created_at~, after that message and before any later one
    li.dataset.at = x.state === 'failed' && x.anchor ? x.anchor : '~';
    const text = document.createElement('div');
    text.className = 'text';
    text.dir = 'auto';
    text.append(...linkify(x.body));
    const meta = document.createElement('div');
    meta.className = 'meta';
    if (x.state === 'failed') {
      const retry = document.createElement('button');
      retry.type = 'button';
      retry.className = 'link retry';
      retry.textContent = 'Retry';
      retry.setAttribute('aria-label', `Retry: ${short(x.body)}`);
      retry.addEventListener('click', () => {
        // it moves below what was sent or came after it: said to screen readers too, whose
        // focus goes back to the composer
        let later = false;
        for (let n = x.li && x.li.nextElementSibling; n && !later; n = n.nextElementSibling) {
          later = !!n.dataset.uuid;
        }
        if (later) announce(`Sending again, below the later messages: ${short(x.body)}`);
        for (const y of outbox) { // this one and those waiting behind it
          if (y.state === 'failed' && sameHandle(y.handle, x.handle) &&
              outbox.indexOf(y) >= outbox.indexOf(x)) {
            y.state = 'queued';
            y.after = newestWith(y.handle); // sent again now: "typed" now
            showEntry(y);
          }
        }
        sendOutbox();
        el.text.focus();
      });
      const discard = document.createElement('button');
      discard.type = 'button';
      discard.className = 'link discard';
      discard.textContent = 'Discard';
      discard.setAttribute('aria-label', `Discard: ${short(x.body)}`);
      discard.addEventListener('click', () => { dropEntry(x); el.text.focus(); });
      meta.append(x.offline ? 'Not sent: you are offline; it goes when the network is back. ' :
        x.auto ? 'Not sent: the server did not answer; it goes when the server is back. ' :
          x.why ? `Not sent: ${x.why}. ` : 'Not sent. ', retry, discard);
    } else {
      meta.textContent = 'Sending…';
    }
    li.append(text, meta);
    // "Not sent" and its reason make it taller: the newest stay in sight
    // (test_web.py::test_a_long_notice_covers_nothing)
    const stick = keepsNewest();
    if (x.li && x.li.isConnected && x.li.dataset.at === li.dataset.at) x.li.replaceWith(li);
    else {
      if (x.li) x.li.remove();
      placeByAt(li);
    }
    stick();
    x.li = li;
  }

  function dropEntry(x) {
    const i = outbox.indexOf(x);
    if (i >= 0) outbox.splice(i, 1);
    if (x.li) x.li.remove();
    saveOutbox();
  }

  // m, one's own message to handle, came by the live stream: when it is the stored copy of a
  // try whose answer was lost (or has not come yet), that entry goes.  The same text is not
  // enough: a stored message settles one entry at most (settled: the uuids that did, and
  // those of the answers), and only one tried before it was stored (SKEW_MS for the two
  // clocks); a page of history never settles anything: an "ok" from yesterday took a failed
  // "ok" of now away (test_web.py::test_failed_sends_stay_in_their_conversation).
  const settled = new Set();
  const settle = (uuid) => { // the last few hundred: a live copy comes within seconds
    settled.add(uuid);
    if (settled.size > 500) settled.delete(settled.values().next().value);
  };
  const SKEW_MS = 1000;
  function storedCopy(handle, m) {
    if (settled.has(m.uuid)) return;
    const at = parseTs(m.created_at).getTime();
    const x = outbox.find((y) => y.state !== 'queued' && y.body === m.message &&
      sameHandle(y.handle, handle) && at >= y.triedAt - SKEW_MS);
    if (!x) return;
    settle(m.uuid);
    storedAs(x, m.created_at);
  }

  // x is stored (at: its created_at): it leaves the outbox, and what was typed after it to
  // the same person stays after it, wherever that stays ("Not sent" in order among one's own
  // messages: test_web.py::test_a_failed_send_stays_where_it_was_typed).
  function storedAs(x, at) {
    const i = outbox.indexOf(x);
    if (i < 0) return; // settled already (its live copy came before its answer)
    for (const y of outbox.slice(i + 1)) {
      if (sameHandle(y.handle, x.handle) && at > (y.after || '')) y.after = at;
    }
    dropEntry(x);
  }

  // A send the server has not answered in ANSWER_TIMEOUT_MS (api) is given up and goes
  // again by itself with its Idempotency-Key (stored once, also when the first try is stored
  // after all: the server dedupes the key, and its live copy settles the entry: storedCopy).
  async function sendOutbox() {
    if (el.send.dataset.busy) return; // the loop running sends what was queued
    el.send.dataset.busy = '1';
    const gen = state.gen;
    for (let x; (x = outbox.find((y) => y.state === 'queued'));) {
      x.state = 'sending';
      if (!x.triedAt) x.triedAt = Date.now();
      saveOutbox();
      try {
        const c = [...state.convs.values()].find((y) => sameHandle(y.handle, x.handle));
        const payload = c ? { message: x.body, message_group_uuid: c.uuid } :
          { message: x.body, handle: x.handle };
        const { data } = await api('POST', '/api/messages', payload,
          { 'Idempotency-Key': x.key });
        if (gen !== state.gen) return;
        settle(data.uuid);
        storedAs(x, data.created_at);
        const o = state.open;
        if (o && sameHandle(o.handle, x.handle)) {
          if (!o.group) adoptGroup(o, data.message_group_uuid);
          if (o.group === data.message_group_uuid) addMessage(data);
        }
        const prev = state.convs.get(data.message_group_uuid);
        upsertConversation({
          uuid: data.message_group_uuid,
          handle: prev ? prev.handle : x.handle,
          display_name: prev ? prev.display_name : x.name,
          message: data.message,
          created_at: data.created_at,
        });
        // sending reads what came before (the server moved read_to with it)
        const sc = state.convs.get(data.message_group_uuid);
        if (sc && data.created_at > sc.sentRead) sc.sentRead = data.created_at;
        readThrough(sc, data.created_at);
      } catch (e) {
        if (gen !== state.gen) return;
        if (sessionEnded(e) && outbox.includes(x)) {
          // the session ended, not the message's fault: kept on its way, it goes again at
          // the next sign-in (handleError: signOut)
          x.state = 'queued';
          saveOutbox();
        } else if (e.ours && e.code === 'message_deleted' && outbox.includes(x)) {
          // stored by a try whose answer was lost, and deleted since (here or elsewhere):
          // taken back by its sender, it is not sent again; it leaves the outbox quietly and
          // what waits behind it goes on
          // (test_web.py::test_a_send_deleted_before_its_retry_leaves_the_outbox)
          dropEntry(x);
          continue;
        } else if (outbox.includes(x)) { // not already stored (its live copy came: storedCopy)
          const offline = e.code === 'network' && navigator.onLine === false;
          // no answer, or a server down or overloaded: not the message's fault, sent again
          // by itself (resendWaiting); any other answer waits for Retry or Discard
          const auto = e.code === 'network' || e.status === 502 || e.status === 503 ||
            e.status === 504;
          const why = String(e.message || '').trim().replace(/[.!]+$/, '');
          for (const y of outbox) {
            if (y === x || (y.state === 'queued' && sameHandle(y.handle, x.handle))) {
              y.state = 'failed';
              y.offline = offline;
              y.auto = auto;
              // one that goes by itself goes before any later send (requeueWaiting): at
              // the bottom, as one on its way; one waiting for Retry where it was typed
              y.anchor = auto ? null : `${y.after || '0'}~`;
              y.why = auto ? '' : why;
              showEntry(y);
            }
          }
        }
        handleError(e);
      }
    }
    delete el.send.dataset.busy;
  }

  el.text.addEventListener('input', () => { updateCount(); saveDrafts(); });
  // Enter sends, Shift+Enter is a new line; on a touch screen alone (a phone: no hover, a
  // coarse pointer) Enter is a new line and Send sends, as phones' chat apps do: an
  // on-screen keyboard has no Shift+Enter, so no message written there could have two lines
  // (test_web.py::test_the_page_on_a_phone).  Ctrl+Enter (Cmd+Enter) sends everywhere.
  const touchOnly = window.matchMedia('(hover: none) and (pointer: coarse)');
  const enterHint = () => { el.text.enterKeyHint = touchOnly.matches ? 'enter' : 'send'; };
  touchOnly.addEventListener('change', enterHint);
  enterHint();
  el.text.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' || ev.shiftKey || ev.isComposing || ev.altKey) return;
    if (ev.ctrlKey || ev.metaKey || !touchOnly.matches) {
      ev.preventDefault();
      send();
    }
  });
  el.composer.addEventListener('submit', (ev) => { ev.preventDefault(); send(); });

  // ---- live delivery (Server-Sent Events with a one-time ticket) -------------------------

  function setLive(on) {
    if (on && !state.live) reachedAgain();
    state.live = on;
    el.live.dataset.state = on ? 'on' : 'off';
    const t = on ? 'live' : 'offline';
    if (el['live-text'].textContent !== t) el['live-text'].textContent = t; // said once a change
    drawRetry();
  }

  // "offline · retrying in N s" while this tab's stream waits for its next try on a timer
  // (scheduleReconnect), counted down each second; nothing while live, trying, or when
  // another tab holds the stream.  Hidden from screen readers (#live-retry aria-hidden): a
  // status that changed every second would be read out every second; "offline" still is,
  // once.  Before, "offline" said nothing of when the page would try again, up to 30 s
  // away (r32b; test_web.py::test_the_stream_waits_as_long_as_retry_after_says).
  function drawRetry() {
    clearTimeout(state.retryTick);
    state.retryTick = 0;
    const ms = state.retryTimer && !state.live ? state.retryAt - performance.now() : 0;
    const left = Math.ceil(ms / 1000);
    const t = left > 0 ? ` · retrying in ${left} s` : '';
    if (el['live-retry'].textContent !== t) {
      // "retrying in" its own span: at phone width the top bar has room for "offline · 12 s"
      const word = document.createElement('span');
      word.className = 'retry-word';
      word.textContent = 'retrying in ';
      if (t) el['live-retry'].replaceChildren(' · ', word, `${left} s`);
      else el['live-retry'].replaceChildren();
    }
    if (left > 0) state.retryTick = setTimeout(drawRetry, ms - (left - 1) * 1000);
  }

  function stopEvents() {
    state.esGen++;
    clearTimeout(state.retryTimer);
    state.retryTimer = null;
    if (state.es) state.es.close();
    state.es = null;
    setLive(false); // (and the countdown goes: drawRetry)
  }

  // The next try after a failure: the backoff's, or later when the server said when
  // (Retry-After, in ms: minMs).
  function scheduleReconnect(gen, minMs) {
    if (gen !== state.esGen || !state.token) return;
    const wait = Math.max(state.retryMs * (0.75 + Math.random() / 2), minMs || 0);
    state.retryMs = Math.min(state.retryMs * 2, RETRY_MAX_MS);
    state.retryAt = performance.now() + wait;
    state.retryTimer = setTimeout(() => {
      state.retryTimer = null;
      drawRetry();
      if (gen === state.esGen) startEvents();
    }, wait);
    drawRetry();
  }

  // The network going and coming back, as the browser tells it.  Gone: a stream whose network
  // went may hang for minutes with nothing to say it is dead, so it is closed and tried again
  // (on a machine without a network the server may still be on 127.0.0.1: navigator.onLine
  // is a hint, never a reason not to try).  Back: reconnect now, from the last event id,
  // rather than when the backoff next retries, up to 30 s later
  // (test_web.py::test_offline_then_back).
  function reconnectNow() {
    if (!state.token || (state.share && !state.share.leader)) return;
    state.retryMs = RETRY_MIN_MS;
    share({ type: 'live', on: false });
    startEvents();
  }
  window.addEventListener('offline', reconnectNow);
  window.addEventListener('online', reconnectNow);
  // What failed for want of the network (the browser offline) or of the server (down,
  // restarting: no answer; 502-504) waited as "Not sent" for a Retry the user had to think
  // of.  It goes by itself once the server answers again, when the live stream reconnects
  // ('ready'; at once when the network comes back: 'online') or any later request succeeds,
  // each with its own Idempotency-Key (stored once), in the outbox's order, as chat apps send
  // what was written offline; a message sent meanwhile puts them back in the queue before
  // itself, so it cannot overtake them (test_web.py::test_offline_then_back,
  // test_page_catches_up_after_a_server_restart,
  // test_sends_that_met_a_server_down_go_by_themselves).  An 'online' handler of its own sent
  // the offline ones a second way: the offline ones are also 'auto', so test_offline_then_back
  // passed without it.
  function requeueWaiting() {
    let any = false;
    for (const x of outbox) {
      if (x.state === 'failed' && x.auto) {
        x.state = 'queued';
        x.offline = false;
        showEntry(x);
        any = true;
      }
    }
    return any;
  }
  let resendSoon = false;
  function resendWaiting() {
    resendReads();
    if (resendSoon || !outbox.some((x) => x.state === 'failed' && x.auto)) return;
    resendSoon = true;
    setTimeout(() => { // after the answer that called it is handled
      resendSoon = false;
      if (state.token && requeueWaiting()) sendOutbox();
    }, 0);
  }

  // The server says 'ping' on every stream every 15 s (events.c).  A stream that has said
  // nothing for PING_LOST_MS (two pings missed) is dead without knowing it: a server that
  // hangs, or a connection whose far end went without a word, which nothing closes.  It is
  // dropped and opened again from the last event id (test_web.py::
  // test_a_silent_stream_is_reconnected).
  const PING_LOST_MS = 35000;
  const heard = () => { state.heardAt = Date.now(); };
  setInterval(() => {
    if (state.es && state.live && Date.now() - state.heardAt > PING_LOST_MS) reconnectNow();
  }, 1000);

  // Tells this user's other tabs (followers of the shared stream, below) what happened.
  function share(msg) {
    const sh = state.share;
    if (sh && sh.leader) sh.bc.postMessage(msg);
  }

  function onMessageEvent(ev) {
    share({ type: 'message', id: ev.lastEventId, data: ev.data });
    onMessage(ev.lastEventId, ev.data);
  }

  // "read" {"message_group_uuid","read_to","unread"}: this user read a conversation
  // elsewhere (another device, another browser; a mark-read or a send there), and how many of
  // the other person's messages were after read_to then.
  function onReadEvent(id, data) {
    if (id) state.lastEventId = id;
    let r;
    try { r = JSON.parse(data); } catch (e) { return; }
    if (r && typeof r.message_group_uuid === 'string' && typeof r.read_to === 'string') {
      readElsewhere(r.message_group_uuid, r.read_to,
        Number.isInteger(r.unread) && r.unread >= 0 ? r.unread : undefined);
    }
  }

  // "rename" {"message_group_uuid","uuid","handle","display_name"}: the other person of that
  // conversation changed their display name (PUT /api/me, `ddbchat user rename`): the list
  // and the heading show it at once (takeName).  It has no id and is not replayed: a page
  // that was away takes names from the listing it loads on reconnecting
  // (test_web.py::test_a_rename_shows_at_once_in_every_tab).
  // {"you":true,"uuid","handle","display_name"}: the user changed their own name, on another
  // device or in another browser (this browser's tabs also hear the channel's 'me'): the top
  // bar shows it (test_web.py::test_ones_new_name_reaches_ones_other_browser).
  function onRenameEvent(data) {
    let r;
    try { r = JSON.parse(data); } catch (e) { return; }
    if (!r || typeof r.display_name !== 'string' || !r.display_name) return;
    if (r.you === true) {
      if (state.me && r.uuid === state.me.uuid) myNameIs(r.display_name);
      return;
    }
    const c = typeof r.message_group_uuid === 'string' && state.convs.get(r.message_group_uuid);
    if (c) {
      c.namedAt = Date.now(); // a listing asked before it may still say the old name
      if (takeName(c, r.display_name)) redrawCount(c);
      return;
    }
    // a draft to them (New, by handle) that has no conversation yet
    const o = state.open;
    if (o && !o.group && typeof r.handle === 'string' && sameHandle(o.handle, r.handle)) {
      o.display_name = r.display_name;
      el['conv-title'].textContent = r.display_name;
      el['conv-title'].title = r.display_name;
    }
  }

  const announced = new Set(); // the uuids of the last messages announced
  function onMessage(id, data) {
    if (id) state.lastEventId = id;
    let m;
    try { m = JSON.parse(data); } catch (e) { return; }
    // its delete was heard already: the stream's scan read it before the delete committed
    // and hands it on after the delete's event (test_web.py::
    // test_a_message_heard_after_its_delete_is_not_shown)
    if (m && deletedSeen.has(`${m.message_group_uuid} ${m.created_at}`)) return;
    const known = state.convs.has(m.message_group_uuid);
    // not loaded: it may hold unread counted in the title's rest (takeTotal), asked again
    if (!known && state.unreadRest && state.listLoaded) relistSoon();
    upsertConversation({
      uuid: m.message_group_uuid,
      handle: m.with.handle,
      display_name: m.with.display_name,
      message: m.message,
      created_at: m.created_at,
    });
    if (state.me && sameHandle(m.handle, state.me.handle)) storedCopy(m.with.handle, m);
    const o = state.open;
    if (o && !o.group && sameHandle(o.handle, m.with.handle)) adoptGroup(o, m.message_group_uuid);
    if (o && o.group === m.message_group_uuid) addMessage(m, true);
    // Unread: the other person's message, newer than what was read there and than what the
    // server's count covers, while that conversation's newest is not seen (another one open,
    // the list showing at phone width, scrolled back, the tab hidden); counted by uuid, so
    // an event delivered again (a reconnection from an older position) counts once
    // (test_web.py::test_unread_markers).  One's own message reads everything before it.
    const c = state.convs.get(m.message_group_uuid);
    // the other person's message, new (not one replayed that was seen or read already)
    const mine = state.me && sameHandle(m.handle, state.me.handle);
    if (!mine && (!known || m.created_at > c.readTo) && !c.unread.has(m.uuid) &&
        !announced.has(m.uuid)) {
      announced.add(m.uuid);
      if (announced.size > 100) announced.delete(announced.values().next().value);
      announce(`${m.display_name || m.handle}: ${m.message}`);
      notifyHidden(m);
    }
    if (!known) c.readTo = '';
    dividerFollows(m, c, mine);
    if (mine) {
      readThrough(c, m.created_at);
    } else if (seesNewest(c.uuid)) {
      noteSeen();
    } else if (m.created_at > c.readTo && m.created_at > c.baseAt && !c.unread.has(m.uuid)) {
      c.unread.set(m.uuid, m.created_at);
      renderConversation(c);
      updateTitle();
    }
  }

  // ---- desktop notifications --------------------------------------------------------------

  // A message from the other person that comes while no tab of this page is on screen is
  // shown as a desktop notification by one tab: the one holding the stream (every tab hears
  // the message, only that one hears it first-hand), after asking the others on the
  // BroadcastChannel whether one of them is visible (no answer within LOOK_MS: none is).
  // Title: the sender's name; body: the text, cut to NOTE_MAX characters; tag: the
  // conversation, so the next message there replaces it instead of stacking.  A click brings
  // that tab forward with the conversation open.  Permission is asked only from "Notify me"
  // (a click), never on load; the choice is kept in localStorage (this browser's, not the
  // user's: it holds no data of theirs), so a refusal is not asked again
  // (test_web.py::test_notifications_of_messages_while_hidden).
  const NOTIFY_KEY = 'ddbchat.notify'; // 'on' | 'off' | 'refused'
  const LOOK_MS = 250;
  const NOTE_MAX = 100;
  // t's graphemes (what a reader takes for one letter: an emoji with its modifiers and
  // joiners, a flag, a letter with its combining marks), by Intl.Segmenter; its code points
  // in a browser without it.
  const segmenter = typeof Intl !== 'undefined' && Intl.Segmenter ?
    new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const graphemes = (t) => (segmenter ? Array.from(segmenter.segment(t), (x) => x.segment) :
    [...t]);
  // text (a name, a message) without its bidi controls (embeddings and overrides
  // U+202A-202E, isolates U+2066-2069, the marks U+200E, U+200F, U+061C), for text the
  // system lays out itself
  const noBidi = (s) => String(s).replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '');
  const looks = new Map(); // question id -> {seen}
  // conversation -> {n, at}: the notification this tab shows there (its tag) and the
  // created_at of the message it shows, closed if that message is deleted: a message sent by
  // mistake and taken back stayed on the reader's screen (deleted; test_web.py::
  // test_a_deleted_message_takes_its_notification_away)
  const notes = new Map();
  const canNotify = () => typeof window.Notification === 'function';
  function notifyPref() {
    try { return localStorage.getItem(NOTIFY_KEY) || ''; } catch (e) { return ''; }
  }
  function setNotifyPref(v) {
    try { localStorage.setItem(NOTIFY_KEY, v); } catch (e) { /* kept for this page only */ }
    drawNotify();
  }
  function notifyOn() {
    return canNotify() && Notification.permission === 'granted' && notifyPref() === 'on';
  }
  function drawNotify() {
    const b = el['notify-btn'];
    if (!canNotify()) { b.hidden = true; return; }
    const on = notifyOn();
    const refused = Notification.permission === 'denied' || notifyPref() === 'refused';
    const t = on ? ': on' : (refused || notifyPref() === 'off') ? ': off' : '';
    if (el['notify-state'].textContent !== t) el['notify-state'].textContent = t;
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.dataset.state = on ? 'on' : refused ? 'refused' : notifyPref() === 'off' ? 'off' : 'ask';
  }
  el['notify-btn'].addEventListener('click', () => {
    if (!canNotify()) return;
    const perm = Notification.permission;
    if (perm === 'granted') {
      setNotifyPref(notifyPref() === 'on' ? 'off' : 'on');
    } else if (perm === 'denied' || notifyPref() === 'refused') {
      showNotice('Notifications are refused for this page; allow them in the browser\'s site ' +
        'settings to be notified.');
      drawNotify();
    } else {
      // The prompt closed with no choice ('default': its ×, Escape, a click elsewhere) is
      // no refusal: the user put it off, and "Notify me" asks again next time, as the
      // browser itself does (Chromium blocks by itself after a few).  Before, it was kept as
      // a refusal and never asked again (test_web.py::
      // test_a_closed_permission_prompt_is_asked_again).
      Promise.resolve(Notification.requestPermission()).then((p) => {
        if (p === 'granted' || p === 'denied') setNotifyPref(p === 'granted' ? 'on' : 'refused');
        else {
          drawNotify();
          showNotice('Notifications are not on: the browser\'s question was closed with no ' +
            'answer. "Notify me" asks again.');
        }
      }, () => setNotifyPref('refused'));
    }
  });
  window.addEventListener('storage', (ev) => { if (ev.key === NOTIFY_KEY) drawNotify(); });
  window.addEventListener('focus', drawNotify); // a permission changed in the site settings

  function notifyHidden(m) {
    const sh = state.share;
    if ((sh && !sh.leader) || !notifyOn() || document.visibilityState === 'visible') return;
    const show = () => {
      if (!state.token || !notifyOn() || document.visibilityState === 'visible') return;
      // the body as the title: without its bidi controls, then isolated, so a message
      // holding an override (U+202E) or a PDI cannot reverse what the system lays out after
      // it; cut to NOTE_MAX letters after they went, the ellipsis inside the isolate
      // (test_web.py::test_a_notification_body_isolates_the_message); a letter is a
      // grapheme, so the cut never splits an emoji of several code points, a flag or a
      // letter from its combining marks (before: cut by code point, r32b L7)
      const text = graphemes(noBidi(m.message));
      const cut = text.length > NOTE_MAX ? `${text.slice(0, NOTE_MAX - 1).join('')}…` :
        text.join('');
      const body = cut ? `\u2068${cut}\u2069` : '';
      let n;
      try {
        // the name isolated (U+2068 FSI ... U+2069 PDI): a display name holding a bidi
        // control (U+202E, right-to-left override) reversed what the system puts after it
        // in the title (the site, the app's name) and read backwards
        // (test_web.py::test_notifications_of_messages_while_hidden).  Its own bidi controls
        // go first: a PDI in it closed the page's FSI early and left its override open
        // (test_web.py::test_a_notification_title_isolates_the_senders_name).
        const name = noBidi(m.display_name || m.handle) || m.handle;
        n = new Notification(`\u2068${name}\u2069`,
          { body, tag: m.message_group_uuid });
      } catch (e) { return; } // a browser that has no notifications from a page (Android)
      const group = m.message_group_uuid;
      notes.set(group, { n, at: m.created_at });
      n.onclose = () => { if (notes.get(group) && notes.get(group).n === n) notes.delete(group); };
      n.onclick = () => {
        window.focus();
        if (n.close) n.close();
        const c = state.convs.get(group);
        if (!state.token) return;
        if (c) openConversation(c.uuid, c.handle, c.display_name, true, 'push');
        else openByGroup(group);
      };
    };
    if (!sh) { show(); return; }
    const q = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    const look = { seen: false };
    looks.set(q, look);
    sh.bc.postMessage({ type: 'look', q });
    setTimeout(() => {
      looks.delete(q);
      if (!look.seen && state.share === sh) show();
    }, LOOK_MS);
  }

  // ---- read markers: unread that survives a reload ---------------------------------------

  // The server keeps, per reader and conversation, how far they have read (read_to) and how
  // many of the other person's messages came after it (unread, in the listing).  The page
  // marks a conversation read once its newest message is seen: open, on screen, scrolled to
  // the newest and the tab visible (document.visibilityState); PUT
  // /api/message_groups/<uuid>/read {"read_to": <that message's created_at>}, at most one
  // every READ_DELAY_MS whatever arrives meanwhile (not one per message).  The user's other
  // tabs hear it on the BroadcastChannel at once; the other devices by the stream's "read"
  // event at once, its count taken as it is (test_web.py::
  // test_read_event_updates_another_browser_at_once), and by the listing (fetched again when
  // a tab is shown or focused, and when the stream reconnects) for what their stream missed
  // (test_web.py::test_unread_survives_a_reload, test_read_in_one_tab_is_read_in_the_others).
  const READ_DELAY_MS = 500;
  const unreadCount = (c) => (c.base || 0) + (c.unread ? c.unread.size : 0);
  let readTimer = null;

  // The open conversation's newest message is on screen, and the reader can see it.
  function seesNewest(group) {
    const o = state.open;
    return !!o && !!o.group && (!group || o.group === group) && shownGroup() === o.group &&
      document.visibilityState === 'visible' && !o.newer && nearBottom();
  }
  const newestShown = () => {
    const all = shownMessages();
    return all.length ? all[all.length - 1].dataset.at : '';
  };

  // c read through `at` (here, in another tab, on another device): what it covers is no
  // longer unread.
  function readThrough(c, at) {
    if (!c || !at) return;
    const before = unreadCount(c);
    if (at > c.readTo) c.readTo = at;
    for (const [u, t] of c.unread) if (t <= at) c.unread.delete(u);
    if (at >= c.created_at && at >= c.baseAt) c.base = 0;
    if (unreadCount(c) !== before) redrawCount(c);
  }

  function redrawCount(c) {
    if (c.li) {
      const cur = c.li.firstChild && c.li.firstChild.hasAttribute('aria-current');
      const focused = c.li.contains(document.activeElement);
      renderConversation(c);
      if (cur) c.li.firstChild.setAttribute('aria-current', 'true');
      if (focused) c.li.firstChild.focus();
    }
    updateTitle();
  }

  // The counts of a listing item (or of a mark-read's answer) for c.
  function countsFrom(c, it) {
    if (!c || typeof it.unread !== 'number') return;
    const before = unreadCount(c);
    if (it.read_to && it.read_to > c.sentRead) c.sentRead = it.read_to;
    if (it.created_at) { // a listing item: its count covers up to its newest message
      c.base = it.unread;
      if (it.created_at > c.baseAt) c.baseAt = it.created_at;
      for (const [u, t] of c.unread) if (t <= it.created_at) c.unread.delete(u);
    } else { // a mark-read's answer: what came after read_to, of which some came live
      let live = 0;
      for (const t of c.unread.values()) if (t > it.read_to) live++;
      c.base = Math.max(0, it.unread - live);
    }
    if (it.read_to && it.read_to > c.readTo) c.readTo = it.read_to;
    // read here already, the server not yet told (or its answer on its way)
    if (c.readTo >= c.created_at && c.readTo >= c.baseAt) c.base = 0;
    if (unreadCount(c) !== before) redrawCount(c);
  }

  // The newest is seen: read here at once, the server told within READ_DELAY_MS (what was
  // seen then, also when the tab was left meanwhile).
  const seen = new Map(); // group -> the newest created_at seen there, not yet told
  function noteSeen() {
    if (!seesNewest() || !state.token) return;
    const group = state.open.group;
    const c = state.convs.get(group);
    const at = newestShown();
    if (!at) return;
    if (c) readThrough(c, at);
    if ((c && at <= c.sentRead) || at <= (seen.get(group) || '')) return;
    seen.set(group, at);
    if (!readTimer) readTimer = setTimeout(sendReads, READ_DELAY_MS);
  }

  function sendReads() {
    readTimer = null;
    const all = [...seen];
    seen.clear();
    if (state.token) for (const [group, at] of all) sendRead(group, at);
  }

  async function sendRead(group, at) {
    const c = state.convs.get(group);
    if (c && at <= c.sentRead) return;
    if (c) c.sentRead = at;
    if (state.share) state.share.bc.postMessage({ type: 'read', group, read_to: at });
    const gen = state.gen;
    try {
      const { data } = await api('PUT', `/api/message_groups/${encodeURIComponent(group)}/read`,
        { read_to: at });
      if (gen !== state.gen) return;
      countsFrom(state.convs.get(group), data || {});
    } catch (e) {
      if (gen !== state.gen) return;
      if (c && c.sentRead === at) c.sentRead = ''; // told again when next seen
      if (sessionEnded(e)) { handleError(e); return; }
      // anything else: quietly, told again when next seen or, given up for want of the
      // server (no answer in answerTimeoutMs: api; down), once it answers again
      // (resendWaiting).  Before, a mark-read the server never answered held its
      // conversation's marker: nothing told the server again until a newer message was seen,
      // and another device kept the badge (test_web.py::
      // test_requests_into_a_stalled_server_are_given_up_and_tried_again)
      if (outOfReach(e) && at > (readsWaiting.get(group) || '')) readsWaiting.set(group, at);
    }
  }
  // group -> the read_to a mark-read given up for want of the server did not tell it
  const readsWaiting = new Map();
  function resendReads() {
    if (!readsWaiting.size || !state.token) return;
    for (const [group, at] of readsWaiting) {
      if (at > (seen.get(group) || '')) seen.set(group, at);
    }
    readsWaiting.clear();
    if (!readTimer) readTimer = setTimeout(sendReads, READ_DELAY_MS);
  }

  // Read elsewhere (another tab of this browser, the stream's "read" event): taken here.
  // A marker short of the newest leaves a count only the server knows: the event's own
  // (unread, when it moves the marker here: one this page knew already, its own mark-read's
  // or a replay, carries a count that may be old), else asked.
  function readElsewhere(group, at, unread) {
    const c = state.convs.get(group);
    if (!c && at && state.unreadRest) relistSoon(); // its share of the title's rest: asked
    if (!c || !at) return;
    const news = at > c.readTo;
    if (at > c.sentRead) c.sentRead = at;
    readThrough(c, at);
    if (unread !== undefined) {
      if (news) countsFrom(c, { read_to: at, unread });
      return;
    }
    if (unreadCount(c) && at < c.created_at) {
      const gen = state.gen; // the next user may share the conversation: not their count
      api('GET', `/api/message_groups/${encodeURIComponent(group)}`)
        .then(({ data }) => {
          if (gen === state.gen) countsFrom(state.convs.get(group), data || {});
        }, () => {});
    }
  }

  // The listing again: what another device read (and what came while the page was not
  // looking) shows.  Not more than once every 2 s.  Further down the list only a badge can be
  // out of date (a conversation with news comes to the top), and the listing carries every
  // conversation's count (its "unread"), so one request covers them all: the listing from
  // the top as far as the lowest loaded conversation that shows a badge (a page at least,
  // LIST_MAX, the listing's limit, at most; past that, LIST_MAX more per request until it
  // is covered).  Before, each one below the first page that showed a badge was asked for by
  // its uuid (GET /api/message_groups/<uuid>: a Query and a GetItem each on a remote table),
  // or the pages below read again: a request per badge or per page; earlier still the 21st
  // kept its badge until a reload (test_web.py::
  // test_read_elsewhere_clears_a_badge_below_the_first_page).  What lies beyond the first
  // page of the answer is taken for the conversations loaded only: the rest comes in order
  // as the list is scrolled.  #conversations data-max lowers LIST_MAX (for tests).
  const LIST_MAX = 100;
  let relistedAt = 0;
  // relist as soon as it may (2 s after the last), once for all that ask meanwhile
  let relistTimer = null;
  function relistSoon() {
    if (relistTimer) return;
    relistTimer = setTimeout(() => {
      relistTimer = null;
      if (state.listLoading) relistSoon();
      else relist();
    }, Math.max(0, relistedAt + 2000 - Date.now()));
  }
  // A reconnection (the stream back after a gap): the events it missed that have no id are
  // not replayed (a rename), so the listing again is where names come from; the open
  // conversation may lie below what it asks for (opened from further down the list, or by
  // its address), and its heading kept the old name: it is asked for by its uuid then
  // (test_web.py::test_a_rename_missed_reaches_the_heading_of_a_conversation_far_down).
  let relistOpen = false;
  function relistAfterGap() {
    relistOpen = true;
    if (Date.now() - relistedAt < 2000 || state.listLoading) relistSoon();
    else relist();
  }
  async function relist() {
    if (!state.token || !state.listLoaded || state.listLoading ||
        Date.now() - relistedAt < 2000) return;
    relistedAt = Date.now();
    const gen = state.gen;
    const askOpen = relistOpen;
    relistOpen = false;
    const covered = new Set();
    const older = [];
    let coveredFrom = ''; // the listing covers every conversation from this created_at on
    let lowest = -1; // the place in the list of the lowest conversation with a badge
    let oldest = '~'; // and the oldest created_at of those
    [...el.conversations.children].forEach((li, i) => {
      const c = state.convs.get(li.firstChild && li.firstChild.dataset.group);
      if (!c || !unreadCount(c)) return;
      lowest = i;
      if (c.created_at < oldest) oldest = c.created_at;
    });
    const max = Number(el.conversations.dataset.max) || LIST_MAX;
    // after a gap in the stream, every loaded conversation's name may be out of date (a
    // rename event missed is not replayed): the listing down to the oldest one loaded, one
    // request's max at a time.  Before session 31 it stopped at one request's max (100), so
    // a conversation loaded below the 100th kept the old name until a message came
    // (test_web.py::test_a_rename_missed_reaches_the_heading_of_a_conversation_far_down)
    if (askOpen) {
      lowest = Math.max(lowest, Math.min(max, el.conversations.childElementCount) - 1);
      for (const c of state.convs.values()) if (c.created_at < oldest) oldest = c.created_at;
    }
    const q = new URLSearchParams({
      limit: String(Math.min(max, Math.max(PAGE_CONVERSATIONS, lowest + 1))) });
    try {
      let first = true;
      for (;;) {
        const askedAt = Date.now();
        const { data, next, total } = await api('GET', `/api/message_groups?${q}`);
        if (gen !== state.gen) return;
        data.forEach((it, i) => {
          covered.add(it.uuid);
          if ((first && i < PAGE_CONVERSATIONS) || state.convs.has(it.uuid)) listed(it, askedAt);
          // older than the newest this page knows: that one was deleted (an event missed:
          // away, or a delete by another process), or the listing's index lags a message
          // just sent; the conversation's own item, read consistently, tells which
          const c = state.convs.get(it.uuid);
          if (c && it.created_at < c.created_at && older.length < 5) older.push(it.uuid);
        });
        if (first) takeTotal(total, data);
        first = false;
        if (!next || !data.length) { coveredFrom = ''; break; }
        coveredFrom = data[data.length - 1].created_at;
        if (coveredFrom <= oldest) break;
        q.set('limit', String(max));
        q.set('cursor', next);
      }
      const o = state.open;
      // loaded, in the range the listing covers, yet absent from it: the listing lags a
      // message just sent, or the conversation is gone (an emptied one stays listed, with
      // "message": ""); its own item tells which (404: it leaves the list)
      // (test_web.py::test_conversations_emptied_while_away_leave_on_reconnecting)
      for (const [g, c] of state.convs) {
        if (older.length >= 5) break;
        if (!covered.has(g) && c.created_at >= coveredFrom && !(askOpen && o && o.group === g)) {
          older.push(g);
        }
      }
      for (const g of older) relistOne(g);
      if (askOpen && o && o.group) recheckOpen(o);
      if (askOpen && o && o.group && !covered.has(o.group)) {
        const group = o.group;
        const askedAt = Date.now();
        let data = null;
        try {
          ({ data } = await api('GET', `/api/message_groups/${encodeURIComponent(group)}`));
        } catch (e) {
          if (gen === state.gen && e.status === 404) { dropConversation(group); return; }
          throw e;
        }
        if (gen === state.gen && data && state.convs.has(data.uuid)) listed(data, askedAt);
      }
    } catch (e) {
      if (gen === state.gen && sessionEnded(e)) handleError(e);
    }
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    noteSeen();
    relist();
  });
  window.addEventListener('focus', () => { noteSeen(); relist(); });

  // EventSource cannot send the bearer token, so each (re)connection first asks for a
  // short-lived single-use ticket; the reconnection carries the last event id itself (a new
  // EventSource does not send Last-Event-ID), so nothing between the two is lost.
  async function startEvents() {
    stopEvents();
    const gen = state.esGen;
    const signedIn = state.gen;
    let ticket;
    try {
      ({ data: { ticket } } = await api('POST', '/api/events/ticket'));
    } catch (e) {
      // a ticket the previous user asked for: its refusal does not sign the next one out
      if (signedIn !== state.gen) return;
      if (sessionEnded(e)) { handleError(e); return; }
      // no answer, or one that is not ddbchat's own error body (a proxy's 502, 504, or 503
      // "no healthy upstream" for a server it cannot reach): the server out of reach; only
      // ddbchat's own error is its refusal, with its Retry-After
      // (test_web.py::test_the_stream_back_as_soon_as_a_proxy_answers_again).  A ticket
      // not answered in answerTimeoutMs (api) is one of those: before, the page waited for
      // it for good, "offline" with no further try
      // (test_web.py::test_requests_into_a_stalled_server_are_given_up_and_tried_again)
      state.streamOut = !e.status || !e.ours;
      scheduleReconnect(gen, e.retryAfterMs);
      return;
    }
    if (gen !== state.esGen) return;
    const q = new URLSearchParams({ ticket });
    if (state.lastEventId) q.set('last_event_id', state.lastEventId);
    const es = new EventSource(`/api/events?${q}`);
    state.es = es;
    es.addEventListener('ready', (ev) => {
      heard();
      if (ev.lastEventId) state.lastEventId = ev.lastEventId;
      state.retryMs = RETRY_MIN_MS;
      setLive(true);
      share({ type: 'live', on: true, id: state.lastEventId });
      if (!state.listLoaded) loadConversations(true);
      else relistAfterGap(); // a reconnection: what was read or renamed meanwhile
      resendWaiting();
    });
    es.addEventListener('message', (ev) => { heard(); onMessageEvent(ev); });
    es.addEventListener('read', (ev) => {
      heard();
      share({ type: 'read-event', id: ev.lastEventId, data: ev.data });
      onReadEvent(ev.lastEventId, ev.data);
    });
    es.addEventListener('rename', (ev) => {
      heard();
      share({ type: 'rename', data: ev.data });
      onRenameEvent(ev.data);
    });
    es.addEventListener('delete', (ev) => {
      heard();
      share({ type: 'delete', data: ev.data });
      onDeleteEvent(ev.data);
    });
    // the server's ping says it answers again: what waits for it goes (a send given up by
    // its timeout while the stream stayed up had nothing else to send it)
    es.addEventListener('ping', () => { heard(); resendWaiting(); });
    es.addEventListener('error', () => {
      if (gen !== state.esGen) return;
      // EventSource closes itself on an answer that is no stream (a 503 at the streams cap,
      // a 401) and is CONNECTING after a network error or a stream that ended: only those
      // are the server out of reach (the status itself is not shown to the page)
      state.streamOut = es.readyState !== EventSource.CLOSED;
      es.close(); // a new ticket is needed: the old one is used up
      setLive(false);
      share({ type: 'live', on: false });
      scheduleReconnect(gen);
    });
  }

  // One stream per browser, not per tab: a browser opens at most 6 HTTP/1.1 connections to
  // a server, and a stream per tab held all of them from the 6th tab on (its list, every
  // send in every tab and a 7th tab's page then waited forever).  The tabs of one user elect
  // a leader with the Web Locks API: the tab holding the lock holds the stream and passes
  // each event to the others on a BroadcastChannel.  When it goes (closed, signed out, in
  // the back/forward cache), the lock passes to another tab, which opens the stream from the
  // last event id it heard, so nothing is lost.  Where there are no Web Locks (a page served
  // over plain http from another host is not a secure context) the tabs elect the leader on
  // the BroadcastChannel itself (electByBeats); only without BroadcastChannel has each tab
  // its own stream.
  function startLive() {
    stopLive();
    if (typeof BroadcastChannel !== 'function' || !state.me) {
      startEvents();
      return;
    }
    const name = `ddbchat-events-${state.me.uuid}`;
    const sh = { bc: new BroadcastChannel(name), abort: new AbortController(), release: null,
      leader: false, beats: null };
    state.share = sh;
    sh.bc.onmessage = (ev) => {
      const msg = ev.data || {};
      if (state.share !== sh) return;
      if (sh.beats && sh.beats.heard(msg)) return;
      if (msg.type === 'hello') { // a new tab asks whether the stream is live
        if (sh.leader) sh.bc.postMessage({ type: 'live', on: state.live, id: state.lastEventId });
        return;
      }
      if (msg.type === 'read') { // another tab saw a conversation's newest
        readElsewhere(msg.group, msg.read_to);
        return;
      }
      if (msg.type === 'me') { // another tab changed the user's name
        myNameIs(msg.display_name);
        return;
      }
      if (msg.type === 'look') { // the tab notifying asks whether a tab is on screen
        if (document.visibilityState === 'visible') sh.bc.postMessage({ type: 'seen', q: msg.q });
        return;
      }
      if (msg.type === 'seen') {
        const q = looks.get(msg.q);
        if (q) q.seen = true;
        return;
      }
      if (sh.leader) return; // only the leader's stream speaks
      if (msg.type === 'message') {
        onMessage(msg.id, msg.data);
      } else if (msg.type === 'read-event') {
        onReadEvent(msg.id, msg.data);
      } else if (msg.type === 'rename') {
        onRenameEvent(msg.data);
      } else if (msg.type === 'delete') {
        onDeleteEvent(msg.data);
      } else if (msg.type === 'live') {
        if (msg.id) state.lastEventId = msg.id;
        setLive(!!msg.on);
        // the leader's stream is open: what the list misses will come through it
        if (msg.on && !state.listLoaded) loadConversations(true);
        else if (msg.on) relistAfterGap(); // what was read or renamed meanwhile
        if (msg.on) resendWaiting();
      }
    };
    if (navigator.locks) {
      navigator.locks.request(name, { signal: sh.abort.signal }, () => {
        if (state.share !== sh) return undefined;
        sh.leader = true;
        startEvents();
        return new Promise((resolve) => { sh.release = resolve; });
      }).catch(() => {}); // AbortError: stopped while waiting for the lock
    } else {
      sh.beats = electByBeats(sh);
    }
    sh.bc.postMessage({ type: 'hello' });
  }

  // The election without Web Locks.  The leader says 'beat' with its term every BEAT_MS (and
  // at once to a new tab's hello or a claim).  A tab that has heard no beat of the current
  // term for LEASE_MS, or the leader's 'bye', claims the next term; it leads when no beat
  // and no claim of that term from a tab with a smaller id came within CLAIM_MS.  Two
  // leaders (a leader whose timers a background tab throttled past the lease) settle on the
  // higher term, then the smaller id; the other one closes its stream and follows.
  const BEAT_MS = 1000;
  const LEASE_MS = 3500;
  const CLAIM_MS = 200;
  function electByBeats(sh) {
    const me = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    let term = 0;
    let heardAt = Date.now() - LEASE_MS + CLAIM_MS; // a leader answers the hello by then
    let claim = null; // {term, timer}
    let timer = null;
    const say = (type, t) => sh.bc.postMessage({ type, term: t, from: me });
    const drop = () => { if (claim) clearTimeout(claim.timer); claim = null; };
    const lead = (t) => {
      claim = null;
      term = t;
      sh.leader = true;
      say('beat', term);
      startEvents();
    };
    const follow = (t) => {
      drop();
      term = t;
      heardAt = Date.now();
      if (!sh.leader) return;
      sh.leader = false;
      stopEvents();
      sh.bc.postMessage({ type: 'hello' }); // the leader's answer says whether it is live
    };
    const tick = () => {
      if (state.share !== sh) return;
      if (sh.leader) {
        say('beat', term);
      } else if (!claim && Date.now() - heardAt > LEASE_MS) {
        const t = term + 1;
        claim = { term: t, timer: setTimeout(() => { if (state.share === sh && claim) lead(t); },
          CLAIM_MS) };
        say('claim', t);
      }
      timer = setTimeout(tick, sh.leader ? BEAT_MS : CLAIM_MS);
    };
    tick();
    return {
      // true when msg was the election's
      heard(msg) {
        if (msg.type === 'hello' || msg.type === 'claim') {
          // a claim of a term past ours from a tab that heard a newer leader: it wins
          if (msg.type === 'claim' && !sh.leader && claim &&
              (msg.term > claim.term || (msg.term === claim.term && msg.from < me))) {
            drop();
            heardAt = Date.now(); // the claimer beats within CLAIM_MS, or we claim again
          }
          if (sh.leader) say('beat', term);
          return msg.type === 'claim';
        }
        if (msg.type === 'beat') {
          if (msg.term > term || (msg.term === term && (!sh.leader || msg.from < me))) {
            follow(msg.term);
          } else if (sh.leader) {
            say('beat', term); // the other leader hears ours and follows
          }
          return true;
        }
        if (msg.type === 'bye') {
          if (!sh.leader && msg.term >= term) heardAt = Date.now() - LEASE_MS - 1;
          return true;
        }
        return false;
      },
      stop() {
        clearTimeout(timer);
        drop();
        if (sh.leader) say('bye', term);
      },
    };
  }

  function stopLive() {
    stopEvents();
    const sh = state.share;
    state.share = null;
    if (!sh) return;
    if (sh.beats) sh.beats.stop();
    sh.abort.abort();
    if (sh.release) sh.release();
    sh.bc.close();
  }

  // ---- start -----------------------------------------------------------------------------

  // Leaving the page closes the stream (a page kept in the back/forward cache would otherwise
  // hold one of the browser's few connections to this server); coming back reopens it,
  // replaying from the last event id.
  window.addEventListener('pagehide', () => stopLive());
  // The browser freezes a tab hidden for long (Page Lifecycle): it runs nothing then, so as
  // the tab holding the stream its events waited in it while this user's other tabs, on
  // screen, heard nothing.  It gives the stream up: joining afresh lets the lock (or the
  // election) go to another tab, which opens the stream from the last event id it heard,
  // and queues this one behind it on a new channel, where what the new leader passes on
  // waits for it until it runs again (test_web.py::
  // test_a_frozen_tab_gives_the_stream_to_the_others).
  document.addEventListener('freeze', () => {
    if (state.token && state.me && state.share && state.share.leader) startLive();
  });
  window.addEventListener('pageshow', (ev) => { if (ev.persisted && state.token) startLive(); });

  el['notice-close'].addEventListener('click', hideNotice);
  el.notice.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    ev.preventDefault();
    ev.stopPropagation(); // not also Back (phone width)
    hideNotice();
  });
  el.signout.addEventListener('click', () => signOut(''));
  el['signin-form'].addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = el.token.value.trim();
    if (t) signIn(t);
  });
  el.token.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      el['signin-form'].requestSubmit();
    }
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && el.app.classList.contains('show-conv') &&
        getComputedStyle(el.back).display !== 'none') {
      el.back.click();
    }
  });

  // The on-screen keyboard (a phone): the page takes the height the keyboard leaves, so the
  // composer and the newest messages stay above it.  Where the browser resizes the page for
  // the keyboard (index.html's interactive-widget=resizes-content: Chrome on Android) this
  // finds nothing to do; where it only shrinks the visual viewport over the page (Safari on
  // iOS, Chrome before 108), the composer was under the keyboard while typing.  The height
  // the keyboard leaves is the visual viewport's times its scale (a pinch zoom shrinks the
  // visual viewport too, with nothing covered: the page then stays as it is), and the page
  // follows the visual viewport's offset when the browser scrolls it (offsetTop)
  // (test_web.py::test_the_page_on_a_phone).
  // The composer's hint: at phone width its one row holds a short one (the keys' hint ran
  // past it: "Shift+Enter: new l…"), and on a touch screen alone (touchOnly, Enter's meaning
  // above) at any width, a tablet's too: there Enter is a new line and an on-screen keyboard
  // has no Shift+Enter, so the keys' hint would be wrong
  // (test_web.py::test_the_composers_hint_on_a_touch_tablet).
  const narrow = window.matchMedia('(max-width: 700px)');
  const placeHint = () => {
    el.text.placeholder = narrow.matches || touchOnly.matches ? 'Write a message' :
      'Write a message (Enter sends, Shift+Enter: new line)';
  };
  narrow.addEventListener('change', placeHint);
  touchOnly.addEventListener('change', placeHint);
  placeHint();
  const vv = window.visualViewport;
  function fitKeyboard() {
    const v = window.visualViewport;
    if (!v) return;
    const root = document.documentElement.style;
    const left = Math.round(v.height * v.scale);
    if (left >= window.innerHeight - 1) {
      root.removeProperty('--kb-height');
      root.removeProperty('--kb-top');
      return;
    }
    const stick = keepsNewest();
    root.setProperty('--kb-height', `${left}px`);
    root.setProperty('--kb-top', `${Math.round(v.offsetTop)}px`);
    stick();
  }
  if (vv) {
    vv.addEventListener('resize', fitKeyboard);
    vv.addEventListener('scroll', fitKeyboard);
  }

  // The link `make run` prints: http://127.0.0.1:4567/#token=...  The fragment never reaches
  // the server; it is removed from the address bar and history at once.
  function tokenFromFragment() {
    if (!location.hash.startsWith('#token=')) return null;
    const t = decodeURIComponent(location.hash.slice('#token='.length));
    history.replaceState(null, '', location.pathname + location.search);
    return t;
  }
  // The link opened while the page is already loaded (same page, new fragment): sign in
  // afresh with it.
  window.addEventListener('hashchange', () => {
    const t = tokenFromFragment();
    if (!t) return;
    if (state.token) signOut('', true); // the same user's new link keeps the outbox
    signIn(t);
  });
  // The page's files kept for a reload while offline (sw.js); a page that is no secure
  // context (plain http from another host) cannot have one and loads as before.
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }
  updateCount();
  const token = tokenFromFragment() || sessionStorage.getItem(TOKEN_KEY);
  if (token) signIn(token);
  else showSignin('');
})();
