import { DASHBOARD_SCRIPT } from "./page-script.js";

/**
 * The dashboard's two pages, self-contained: inline CSS and script (under a per-response
 * CSP nonce), charts drawn as inline SVG. No CDN, no framework. Every value from the server
 * is set as text (`textContent`), never as HTML: socket ids and room names come from clients.
 */

const STYLE = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #6a737d; --line: #d0d7de; --bg: #fff; --card: #f6f8fa; --accent: #0969da; --danger: #cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #8b949e; --line: #30363d; --bg: #0d1117; --card: #161b22; --accent: #4493f8; --danger: #f85149; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 12px; padding: 10px 20px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 18px; margin: 0; }
header .grow { flex: 1; }
main { padding: 16px 20px; max-width: 1400px; }
nav button, .btn { border: 1px solid var(--line); background: var(--card); color: var(--fg); padding: 4px 10px; border-radius: 6px; cursor: pointer; }
nav button[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); font-weight: 600; }
.btn.danger { color: var(--danger); }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 14px 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card b { display: block; font-size: 22px; }
.card span, .muted { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 10px; }
.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.chart h3 { margin: 0 0 4px; font-size: 13px; font-weight: 600; }
.chart svg { width: 100%; height: 110px; display: block; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 18px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
th { color: var(--muted); font-weight: 600; }
code { font-size: 12px; }
h2 { font-size: 15px; margin: 18px 0 4px; }
.login { max-width: 360px; margin: 12vh auto; padding: 24px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
.login input { width: 100%; padding: 8px; margin: 8px 0 12px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
.error { color: var(--danger); }
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(base: string, nonce: string, error: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley dashboard: log in</title><style nonce="${nonce}">${STYLE}</style></head>
<body><form class="login" method="post" action="${escapeHtml(base)}/login">
<h1>Parley dashboard</h1>
<label for="credential">Credential</label>
<input id="credential" name="credential" type="password" autocomplete="current-password" required autofocus>
<p id="login-error" class="error">${escapeHtml(error)}</p>
<button class="btn" type="submit">Log in</button>
</form></body></html>`;
}

export function dashboardPage(base: string, nonce: string, csrf: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="parley-base" content="${escapeHtml(base)}"><meta name="parley-csrf" content="${escapeHtml(csrf)}">
<title>Parley dashboard</title><style nonce="${nonce}">${STYLE}</style></head>
<body>
<header><h1>Parley</h1><span id="status" class="muted">loading…</span><span class="grow"></span>
<button id="logout" class="btn" type="button">Log out</button></header>
<main>
<nav id="nodes" aria-label="Nodes"></nav>
<p id="missing" class="error"></p>
<section class="cards" id="cards"></section>
<section class="charts" id="charts"></section>
<h2>Namespaces</h2>
<table id="namespaces"><thead><tr><th>Namespace</th><th>Sockets</th><th>Rooms</th></tr></thead><tbody></tbody></table>
<h2>Rooms</h2>
<table id="rooms"><thead><tr><th>Node</th><th>Namespace</th><th>Room</th><th>Members</th></tr></thead><tbody></tbody></table>
<h2>Sockets <span id="sockets-note" class="muted"></span></h2>
<table id="sockets"><thead><tr><th>Node</th><th>Namespace</th><th>Id</th><th>Transport</th><th>Address</th><th>Rooms</th><th>Connected</th><th></th></tr></thead><tbody></tbody></table>
</main>
<script nonce="${nonce}">${DASHBOARD_SCRIPT}</script>
</body></html>`;
}
