"""The page's one stylesheet, kept in Python so the package needs no data files to serve it.

No script anywhere: the CSP allows none. Light and dark follow the reader's system setting; below
40rem the table's rows become cards so nothing scrolls sideways on a 360px phone.
"""

CSS = """\
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1d21; --muted: #5a6270; --line: #d6dae0; --card: #f5f7fa;
  --accent: #0b57d0; --focus: #c2410c; --ok: #146c2e; --ok-bg: #e3f4e8; --pro: #0b57d0; --pro-bg: #e5edfc;
  --self-bg: #eceef1;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111316; --fg: #e8eaed; --muted: #a7afbb; --line: #343a43; --card: #1a1d22;
    --accent: #8ab4f8; --focus: #fdba74; --ok: #8fdca5; --ok-bg: #173522; --pro: #a8c7fa; --pro-bg: #1b2a45;
    --self-bg: #2a2e35;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
}
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; padding: .5rem 1rem; background: var(--bg); }
.skip:focus { left: .5rem; top: .5rem; z-index: 1; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.25rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 .25rem; overflow-wrap: anywhere; }
.lede, .muted { color: var(--muted); }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: flex-end; margin: 1rem 0; }
form.filters label { display: flex; flex-direction: column; gap: .25rem; font-weight: 600; flex: 1 1 12rem; }
input, select, button {
  font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--muted);
  border-radius: .4rem; padding: .5rem .6rem; min-height: 2.75rem; width: 100%;
}
button { background: var(--accent); color: var(--bg); border-color: var(--accent); font-weight: 600;
  width: auto; padding: .5rem 1.25rem; cursor: pointer; }
.counts { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; margin: .5rem 0 1rem; }
.counts li { background: var(--card); border: 1px solid var(--line); border-radius: 1rem;
  padding: .1rem .7rem;  font-size: .9rem; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0 .5rem; }
th, td { text-align: left; padding: .55rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top;
  overflow-wrap: anywhere; }
thead th { font-size: .85rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
.badge { display: inline-block; border-radius: .3rem; padding: 0 .45rem; font-size: .85rem;
  white-space: nowrap; }
.badge-self-reported { background: var(--self-bg); color: var(--muted); }
.badge-bluesky-proven { background: var(--pro-bg); color: var(--pro); font-weight: 600; }
.badge-admin-verified { background: var(--ok-bg); color: var(--ok); font-weight: 700; }
.legend { display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; margin: 0 0 1rem; padding: 0; }
.legend div { display: flex; gap: .4rem; align-items: baseline; }
.legend dt, .legend dd { margin: 0; }
nav.pager { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: .5rem;
  margin: 1rem 0 2rem; }
nav.pager a { display: inline-block; padding: .5rem 1rem; border: 1px solid var(--accent);
  border-radius: .4rem; text-decoration: none; min-height: 2.75rem; }
.downloads { margin: 0 0 2rem; }
.chart { margin: 0 0 1.5rem; }
.chart img { max-width: 100%; height: auto; background: #fff; border-radius: .5rem; }
footer { padding-bottom: 2rem; font-size: .9rem; color: var(--muted); }
@media (max-width: 40rem) {
  caption { display: block; }
  .legend { font-size: .9rem; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table, tbody, tr, td { display: block; }
  tr { border: 1px solid var(--line); border-radius: .5rem; margin: 0 0 .75rem; padding: .4rem .6rem;
    background: var(--card); }
  td { border: 0; padding: .15rem 0; }
  td::before { content: attr(data-label) ": "; color: var(--muted); font-size: .85rem; }
  td.name { font-weight: 600; font-size: 1.05rem; }
  td.name::before { content: none; }
}
"""
