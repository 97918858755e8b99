// The control plane's one stylesheet, served from /admin/static/admin.css (the CSP allows
// styles from 'self' only: no inline style anywhere).
export const ADMIN_CSS = `
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#f6f8fa; --ok:#1a7f37; --bad:#cf222e; --warn:#9a6700; --accent:#0969da; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--fg); background:#fff; }
header.top { display:flex; align-items:center; gap:18px; padding:10px 20px; background:#24292f; color:#fff; }
header.top a { color:#fff; text-decoration:none; }
header.top nav a { margin-right:14px; opacity:.85; }
header.top nav a.here { opacity:1; font-weight:600; border-bottom:2px solid #fff; }
header.top .brand { font-weight:700; }
header.top .who { margin-left:auto; display:flex; gap:10px; align-items:center; }
header.top form { margin:0; }
main { padding:16px 20px 40px; max-width:1300px; }
h1 { font-size:20px; margin:4px 0 12px; }
h2 { font-size:16px; margin:20px 0 8px; }
table { border-collapse:collapse; width:100%; margin:8px 0; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:var(--bg); font-weight:600; white-space:nowrap; }
td.num, th.num { text-align:right; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
.muted { color:var(--muted); }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:12px; border:1px solid var(--line); background:var(--bg); white-space:nowrap; }
.badge.ok, .s-approved, .s-dispatched { color:var(--ok); border-color:var(--ok); }
.badge.bad, .s-rejected, .s-failed, .s-denied { color:var(--bad); border-color:var(--bad); }
.badge.warn, .s-active, .s-proposed, .s-approved-action, .s-dispatching { color:var(--warn); border-color:var(--warn); }
.sev-critical { background:#ffebe9; color:var(--bad); border-color:var(--bad); }
.sev-high { background:#fff1e5; color:#bc4c00; border-color:#bc4c00; }
.sev-medium { background:#fff8c5; color:var(--warn); border-color:var(--warn); }
.sev-low, .sev-info { color:var(--muted); }
form.inline { display:inline; margin:0; }
form.filters { display:flex; flex-wrap:wrap; gap:8px; align-items:end; padding:10px; background:var(--bg); border:1px solid var(--line); border-radius:6px; }
form.filters label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); }
input, select, button { font:inherit; padding:4px 8px; border:1px solid var(--line); border-radius:6px; background:#fff; }
button { cursor:pointer; background:var(--bg); }
a.button { display:inline-block; padding:6px 14px; border-radius:6px; text-decoration:none; }
a.button.primary, 
button.danger { background:#fff; color:var(--bad); border-color:var(--bad); }
.cards { display:flex; gap:12px; flex-wrap:wrap; margin:8px 0 16px; }
.card { border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:200px; }
.card .value { font-size:26px; font-weight:600; }
.card .label { color:var(--muted); font-size:12px; }
.flash { padding:8px 12px; border-radius:6px; margin:8px 0; border:1px solid var(--line); background:var(--bg); }
.flash.ok { border-color:var(--ok); } .flash.bad { border-color:var(--bad); color:var(--bad); }
.pager { display:flex; gap:12px; margin:10px 0; }
.steps { margin:0; padding-left:18px; }
td.mono { word-break:break-all; min-width:110px; max-width:360px; }
td pre { min-width:300px; max-width:560px; margin:0; }
.a-dispatched { color:var(--ok); border-color:var(--ok); }
.a-failed, .a-denied { color:var(--bad); border-color:var(--bad); }
.a-proposed, .a-approved, .a-dispatching { color:var(--warn); border-color:var(--warn); }
.a-cancelled, .a-superseded { color:var(--muted); }
.r-open { color:var(--warn); border-color:var(--warn); }
.r-merged, .r-resolved { color:var(--ok); border-color:var(--ok); }
.r-stopped, .r-closed { color:var(--muted); }
section.window, section.digest { margin:8px 0 18px; }
details summary { cursor:pointer; color:var(--accent); }
pre { background:var(--bg); padding:8px; border-radius:6px; overflow:auto; max-height:240px; white-space:pre-wrap; word-break:break-all; }
.center { max-width:560px; margin:60px auto; border:1px solid var(--line); border-radius:8px; padding:24px; }
a { color:var(--accent); }
`;
