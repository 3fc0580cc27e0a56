// WCAG 2 contrast of every text on screen (test_web.py, run with execute_script): the text's
// colour (its opacity and its ancestors' applied) over the background it sits on (the
// nearest backgrounds up the tree, blended), against 4.5:1, or 3:1 for large text (24 px, or
// 18.66 px bold).  Returns what falls short, as "TAG.class "text" ratio < needed".
const parse = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const over = (top, bot) => { const a = top[3]; return [top[0]*a + bot[0]*(1-a), top[1]*a + bot[1]*(1-a), top[2]*a + bot[2]*(1-a), 1]; };
function bgOf(e) { const layers = []; for (let x = e; x; x = x.parentElement) { const c = parse(getComputedStyle(x).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } } let b = [255,255,255,1]; if (matchMedia('(prefers-color-scheme: dark)').matches && !layers.length) b = [0,0,0,1]; for (let i = layers.length - 1; i >= 0; i--) b = over(layers[i], b); return b; }
function opacityOf(e) { let o = 1; for (let x = e; x; x = x.parentElement) o *= Number(getComputedStyle(x).opacity); return o; }
const bad = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
for (let n; (n = walker.nextNode());) {
  const e = n.parentElement; if (!n.textContent.trim() || seen.has(e)) continue; seen.add(e);
  const r = e.getBoundingClientRect(); if (!r.width || !r.height || !e.checkVisibility()) continue;
  const cs = getComputedStyle(e); if (cs.clip === 'rect(0px, 0px, 0px, 0px)') continue;
  const bg = bgOf(e); let fg = parse(cs.color); const op = opacityOf(e); fg = over([fg[0], fg[1], fg[2], fg[3] * op], bg);
  const L1 = lum(fg), L2 = lum(bg); const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
  const size = parseFloat(cs.fontSize), bold = Number(cs.fontWeight) >= 700;
  const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < need) bad.push(`${e.tagName}.${e.className} "${n.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)} < ${need}`);
}
return bad;
