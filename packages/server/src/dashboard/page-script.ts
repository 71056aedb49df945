/**
 * The dashboard page's script, run in the browser: polls `api/stats?cluster=1`, draws the
 * charts as SVG polylines (one line per node), fills the tables, and disconnects a socket
 * with a same-origin JSON POST carrying the CSRF token. Plain ES2017, no template literals
 * (this file is one), and only `textContent` for values.
 */
export const DASHBOARD_SCRIPT = `
"use strict";
(function () {
  var base = document.querySelector('meta[name="parley-base"]').content;
  var csrf = document.querySelector('meta[name="parley-csrf"]').content;
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e"];
  var selected = "all";
  var last = null;
  var MAX_ROWS = 200;

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (attrs) for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  function fmt(n) {
    if (n >= 1e9) return (n / 1e9).toFixed(1) + "G";
    if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
    return Math.round(n * 10) / 10 + "";
  }
  function view() {
    if (!last) return [];
    if (selected === "all") return last.nodes;
    return last.nodes.filter(function (n) { return n.node === selected; });
  }
  function colorOf(node) {
    var i = last.nodes.findIndex(function (n) { return n.node === node; });
    return COLORS[(i < 0 ? 0 : i) % COLORS.length];
  }

  function renderNodes() {
    var nav = document.getElementById("nodes");
    nav.replaceChildren();
    var names = ["all"].concat(last.nodes.map(function (n) { return n.node; }));
    names.forEach(function (name) {
      var label = name === "all" ? "All nodes (" + last.nodes.length + ")" : name;
      var b = el("button", label, { type: "button", "data-node": name, "aria-pressed": String(selected === name) });
      // CSSOM, not a style attribute: allowed under the page's CSP. The node's chart colour.
      if (name !== "all") b.style.borderBottom = "3px solid " + colorOf(name);
      b.addEventListener("click", function () { selected = name; render(); });
      nav.append(b, " ");
    });
    document.getElementById("missing").textContent = last.missing ? "Some nodes did not answer: " + last.missing : "";
  }

  function renderCards(nodes) {
    var sum = { sockets: 0, clients: 0, rooms: 0, connections: 0, disconnections: 0 };
    var namespaces = {};
    nodes.forEach(function (n) {
      for (var k in sum) sum[k] += n.now[k];
      n.namespaces.forEach(function (ns) { namespaces[ns.name] = true; });
    });
    var cards = document.getElementById("cards");
    cards.replaceChildren();
    [["Nodes", nodes.length], ["Sockets", sum.sockets], ["Engine.IO connections", sum.clients],
     ["Namespaces", Object.keys(namespaces).length], ["Rooms", sum.rooms],
     ["Connected since start", sum.connections], ["Disconnected since start", sum.disconnections]]
      .forEach(function (c) {
        var card = el("div", null, { class: "card", "data-card": c[0] });
        card.append(el("b", fmt(c[1])), el("span", c[0]));
        cards.append(card);
      });
  }

  // Rates from consecutive samples of a counter; gauges as they are.
  function series(samples, key, rate) {
    var out = [];
    for (var i = rate ? 1 : 0; i < samples.length; i++) {
      var s = samples[i];
      if (!rate) { out.push([s.t, s[key]]); continue; }
      var p = samples[i - 1];
      var dt = (s.t - p.t) / 1000;
      out.push([s.t, dt > 0 ? Math.max(0, (s[key] - p[key]) / dt) : 0]);
    }
    return out;
  }

  function chart(title, key, rate, nodes) {
    var box = el("div", null, { class: "chart", "data-chart": key });
    box.append(el("h3", title));
    var W = 320, H = 110, P = 4;
    var lines = nodes.map(function (n) {
      return { node: n.node, points: series(n.samples.concat([n.now]), key, rate) };
    });
    var t0 = Infinity, t1 = -Infinity, max = 1;
    lines.forEach(function (l) {
      l.points.forEach(function (p) {
        if (p[0] < t0) t0 = p[0];
        if (p[0] > t1) t1 = p[0];
        if (p[1] > max) max = p[1];
      });
    });
    var s = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": title });
    s.append(svg("line", { x1: 0, y1: H - P, x2: W, y2: H - P, stroke: "currentColor", "stroke-opacity": "0.2" }));
    var label = svg("text", { x: 4, y: 12, "font-size": "10", fill: "currentColor", "fill-opacity": "0.6" });
    label.textContent = "max " + fmt(max);
    s.append(label);
    var span = Math.max(1, t1 - t0);
    lines.forEach(function (l) {
      if (l.points.length === 0) return;
      var pts = l.points.map(function (p) {
        var x = ((p[0] - t0) / span) * (W - 2 * P) + P;
        var y = H - P - (p[1] / max) * (H - 2 * P - 12);
        return x.toFixed(1) + "," + y.toFixed(1);
      }).join(" ");
      s.append(svg("polyline", { points: pts, fill: "none", stroke: colorOf(l.node), "stroke-width": "1.5", "data-node": l.node }));
    });
    box.append(s);
    return box;
  }

  function renderCharts(nodes) {
    var charts = document.getElementById("charts");
    charts.replaceChildren(
      chart("Sockets", "sockets", false, nodes),
      chart("Connections / s", "connections", true, nodes),
      chart("Disconnections / s", "disconnections", true, nodes),
      chart("Packets in / s", "packetsIn", true, nodes),
      chart("Packets out / s", "packetsOut", true, nodes),
      chart("Bytes in / s", "bytesIn", true, nodes),
      chart("Bytes out / s", "bytesOut", true, nodes)
    );
  }

  function renderTables(nodes) {
    var byName = {};
    nodes.forEach(function (n) {
      n.namespaces.forEach(function (ns) {
        var row = byName[ns.name] || (byName[ns.name] = { sockets: 0, rooms: 0 });
        row.sockets += ns.sockets;
        row.rooms += ns.rooms.length;
      });
    });
    var nsBody = document.querySelector("#namespaces tbody");
    nsBody.replaceChildren();
    Object.keys(byName).sort().forEach(function (name) {
      var tr = el("tr");
      tr.append(el("td", name), el("td", byName[name].sockets), el("td", byName[name].rooms));
      nsBody.append(tr);
    });
    var roomBody = document.querySelector("#rooms tbody");
    roomBody.replaceChildren();
    nodes.forEach(function (n) {
      n.namespaces.forEach(function (ns) {
        ns.rooms.forEach(function (r) {
          var tr = el("tr", null, { "data-room": r.name });
          tr.append(el("td", n.node), el("td", ns.name), el("td", r.name), el("td", r.size));
          roomBody.append(tr);
        });
      });
    });
    var body = document.querySelector("#sockets tbody");
    body.replaceChildren();
    var shown = 0, total = 0, truncated = false;
    nodes.forEach(function (n) {
      truncated = truncated || n.truncated;
      n.sockets.forEach(function (s) {
        total++;
        if (shown >= MAX_ROWS) return;
        shown++;
        var tr = el("tr", null, { "data-socket-id": s.id, "data-node": n.node });
        var button = el("button", "Disconnect", { type: "button", class: "btn danger" });
        button.addEventListener("click", function () { disconnect(s, button); });
        var action = el("td");
        action.append(button);
        tr.append(el("td", n.node), el("td", s.nsp), el("td", s.id), el("td", s.transport),
          el("td", s.address), el("td", s.rooms.join(", ")),
          el("td", new Date(s.since).toLocaleTimeString()), action);
        body.append(tr);
      });
    });
    document.getElementById("sockets-note").textContent =
      total > shown || truncated ? "(showing " + shown + ")" : "(" + total + ")";
  }

  function render() {
    if (!last) return;
    var nodes = view();
    renderNodes();
    renderCards(nodes);
    renderCharts(nodes);
    renderTables(nodes);
  }

  function disconnect(s, button) {
    button.disabled = true;
    button.textContent = "Disconnecting…";
    fetch(base + "/api/disconnect", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-parley-csrf": csrf },
      body: JSON.stringify({ nsp: s.nsp, id: s.id, close: false }),
    }).then(function (res) {
      button.textContent = res.ok ? "Disconnected" : "Failed (" + res.status + ")";
      setTimeout(refresh, 300);
    });
  }

  function refresh() {
    return fetch(base + "/api/stats?cluster=1", { credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 401) { location.reload(); return null; }
        return res.json();
      })
      .then(function (data) {
        if (!data) return;
        last = data;
        document.getElementById("status").textContent =
          "this node: " + data.self + " · updated " + new Date().toLocaleTimeString();
        render();
      })
      .catch(function (err) {
        document.getElementById("status").textContent = "update failed: " + err;
      });
  }

  document.getElementById("logout").addEventListener("click", function () {
    fetch(base + "/logout", { method: "POST", credentials: "same-origin", headers: { "x-parley-csrf": csrf } })
      .then(function () { location.reload(); });
  });
  // The next poll is scheduled once this one is answered: a cluster request waiting on a
  // silent node (up to the adapter's request timeout) never piles up polls behind it.
  function loop() {
    refresh().then(function () { setTimeout(loop, 2000); });
  }
  loop();
})();
`;
