// Each kind of focusable thing on the page, focused from the keyboard: the ring's colours
// (outline, box shadows, a changed fill) must include one at 3:1 against the page behind the
// control and one at 3:1 against the control itself. Returns what fails.
(() => {
  const rgb = (text) => (text.match(/rgba?\([^)]*\)/g) || []).map((c) => {
    const n = c.match(/[\d.]+/g).map(Number);
    return { r: n[0], g: n[1], b: n[2], a: n.length > 3 ? n[3] : 1, text: c };
  });
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  const backdrop = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor)[0];
      if (c && c.a >= 0.99) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const kinds = {};
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest('[hidden]') || el.disabled) continue;
    const kind = el.tagName + (el.type ? ':' + el.type : '') + ':' + el.className;
    if (!kinds[kind]) kinds[kind] = el;
  }
  const failures = [];
  for (const [kind, el] of Object.entries(kinds)) {
    const page = backdrop(el.parentElement);
    const before = getComputedStyle(el).backgroundColor;
    const own = rgb(before)[0];
    const control = own && own.a >= 0.99 ? own : page;
    el.focus({ preventScroll: true, focusVisible: true });
    if (document.activeElement !== el) continue;
    const s = getComputedStyle(el);
    const colours = [];
    if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) colours.push(...rgb(s.outlineColor));
    if (s.boxShadow !== 'none') colours.push(...rgb(s.boxShadow));
    if (s.backgroundColor !== before) colours.push(...rgb(s.backgroundColor));
    const seen = colours.filter((c) => c.a >= 0.99);
    const best = (other) => Math.max(0, ...seen.map((c) => ratio(c, other)));
    if (best(page) < 3 || best(control) < 3) {
      failures.push(`${kind}: ring ${seen.map((c) => c.text).join(' ')} is ${best(page).toFixed(2)}:1 on the page, ${best(control).toFixed(2)}:1 on the control`);
    }
    el.blur();
  }
  return failures;
})
