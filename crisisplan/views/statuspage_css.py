"""The status page's one style sheet, inlined in index.html: readable, high-contrast, and
no request to anywhere else."""

CSS = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #57606a;
  --rule: #d0d7de; --card: #f6f8fa; --link: #0550ae; --open: #9a6700; --open-bg: #fff8c5;
  --done: #1a7f37; --done-bg: #dafbe1; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117;
  --muted: #9198a1; --rule: #30363d; --card: #161b22; --link: #4493f8; --open: #d29922;
  --open-bg: #2e2503; --done: #3fb950; --done-bg: #0f2d17; } }
* { box-sizing: border-box; }
body { font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
header, main, footer { max-width: 46rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 1px solid var(--rule); }
h1 { font-size: 1.5rem; margin: .25rem 0; }
h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.1rem; margin: 0 0 .5rem; }
h4 { font-size: 1rem; margin: 1rem 0 .25rem; }
a { color: var(--link); }
.overall { font-size: 1.1rem; font-weight: 600; padding: .75rem 1rem; border-radius: .4rem;
  margin: .75rem 0 0; border-left: .4rem solid var(--done); background: var(--done-bg); }
.overall.open { border-left-color: var(--open); background: var(--open-bg); }
.incident { border: 1px solid var(--rule); border-top: .4rem solid var(--open);
  border-radius: .4rem; padding: 1rem; margin: 0 0 1rem; background: var(--bg); }
.incident.resolved { border-top-color: var(--done); }
.state { font-weight: 600; margin: 0 0 .25rem; }
.severity-about, .when, .empty { color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem;
  margin: .75rem 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.latest { background: var(--card); border-radius: .4rem; padding: .5rem .75rem; }
.updates { list-style: none; padding: 0; margin: 0; }
.updates li { border-top: 1px solid var(--rule); padding: .5rem 0; }
.when { font-size: .9rem; margin: 0; }
.text { white-space: pre-line; margin: .25rem 0; }
summary { cursor: pointer; color: var(--link); margin-top: .75rem; }
.components { list-style: none; padding: 0; margin: 0; }
.components li { border-top: 1px solid var(--rule); padding: .4rem 0;
  display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0 1rem; }
.components strong { color: var(--open); }
.components .operational strong { color: var(--done); }
.components .about { color: var(--muted); flex-basis: 100%; font-size: .9rem; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--rule); }
"""
