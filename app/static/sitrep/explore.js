// /explore: the incidents matching an IncidentFilter on a world map and a weekly timeline.
//
// The filter comes from the URL (?filter=<IncidentFilter as JSON>&colour=weapon|eventType),
// so a view can be shared. Incidents are read through GraphQL (`incidents`, a page of 100
// at a time, at most MAX_PAGES pages) and the timeline from `incidentStats` by ISO week.
// The map is SVG: Natural Earth country outlines (world-atlas TopoJSON, served by Sitrep)
// projected with d3-geo, no tile server. Incidents closer than CLUSTER_PX on screen are
// drawn as one cluster with a count; clicking a cluster zooms to it (or lists it when its
// incidents share a place), clicking an incident opens its popup. Wheel and drag zoom and
// pan. All text from the data is put in the page with textContent, never as HTML.
(function () {
  "use strict";
  const SVG_NS = "http://www.w3.org/2000/svg";
  const PAGE_SIZE = 100;
  const MAX_PAGES = 10;
  const CLUSTER_PX = 16;
  const MAX_LABELS = 25; // place names beside single incidents when this few are drawn
  const MIN_SPAN_DEGREES = 24; // so that a few nearby incidents show their region
  const MIN_WEEKS = 12; // the timeline spans at least this many weeks
  const PALETTE = ["#d62728", "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22"];
  const OTHER = "#7f7f7f";
  const INCIDENTS = `query ExploreIncidents($filter: IncidentFilter, $after: String) {
  incidents(filter: $filter, first: ${PAGE_SIZE}, after: $after) {
    totalCount
    edges { node { id occurredOn eventType weapon outcome summary
      location { name coordinates { latitude longitude } country { name } }
      participants { role actor { name } }
      sources { title publisher url } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
  const WEEKS = `query ExploreWeeks($filter: IncidentFilter) {
  incidentStats(filter: $filter, interval: WEEK) {
    truncated
    groups { period { label start end } incidents }
  }
}`;

  const $ = (id) => document.getElementById(id);
  const svg = $("map");
  const popup = $("popup");
  const state = { incidents: [], colourBy: "weapon", colours: new Map(), land: null, borders: null };
  const projection = d3.geoNaturalEarth1();
  const path = d3.geoPath(projection);

  function element(tag, attributes, text) {
    const node = tag.startsWith("svg:")
      ? document.createElementNS(SVG_NS, tag.slice(4))
      : document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const words = (value) => (value ? value.toLowerCase().replace(/_/g, " ") : "unknown");

  function setStatus(text, isError) {
    $("status").textContent = text;
    $("status").classList.toggle("error", Boolean(isError));
  }

  async function graphql(query, variables) {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    let body;
    try {
      body = await response.json();
    } catch {
      throw new Error(`the server answered HTTP ${response.status}`);
    }
    if (body.errors && body.errors.length) {
      const error = body.errors[0];
      const code = (error.extensions && error.extensions.code) || "ERROR";
      throw new Error(`${code}: ${error.message}`);
    }
    return body.data;
  }

  // ---- the filter, from and to the URL ----

  function readUrl() {
    const params = new URLSearchParams(window.location.search);
    const colour = params.get("colour");
    state.colourBy = colour === "eventType" ? "eventType" : "weapon";
    $("colour").value = state.colourBy;
    $("filter").value = params.get("filter") || "";
  }

  function parseFilter(text) {
    if (!text.trim()) return null;
    const value = JSON.parse(text); // SyntaxError: reported by the caller
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new SyntaxError("the filter must be a JSON object");
    }
    return value;
  }

  function updateLinks(filter) {
    const variables = JSON.stringify({ filter }, null, 2);
    $("graphiql-link").href =
      `/graphql?q=${encodeURIComponent(INCIDENTS)}&variables=${encodeURIComponent(variables)}`;
    $("geojson-link").href = filter
      ? `/export/incidents.geojson?filter=${encodeURIComponent(JSON.stringify(filter))}`
      : "/export/incidents.geojson";
  }

  // ---- data ----

  async function load() {
    popup.hidden = true;
    let filter;
    try {
      filter = parseFilter($("filter").value);
    } catch (error) {
      setStatus(`The filter is not valid JSON: ${error.message}`, true);
      return;
    }
    updateLinks(filter);
    setStatus("Loading…");
    try {
      const [incidents, weeks] = await Promise.all([loadIncidents(filter), graphql(WEEKS, { filter })]);
      state.incidents = incidents.list;
      assignColours();
      fit();
      drawTimeline(weeks.incidentStats);
      const placed = state.incidents.filter((i) => i.location && i.location.coordinates).length;
      const shown = incidents.list.length < incidents.total
        ? ` The map shows the first ${incidents.list.length}.` : "";
      const unplaced = incidents.list.length - placed;
      setStatus(
        `${incidents.total} incident${incidents.total === 1 ? "" : "s"} match.${shown}`
          + (unplaced ? ` ${unplaced} without coordinates are not on the map.` : "")
          + (weeks.incidentStats.truncated ? " The timeline is truncated." : ""),
      );
      svg.dataset.incidents = String(placed);
      svg.dataset.state = "ready";
    } catch (error) {
      state.incidents = [];
      render();
      drawTimeline({ groups: [] });
      setStatus(error.message, true);
      svg.dataset.state = "error";
    }
  }

  async function loadIncidents(filter) {
    const list = [];
    let after = null;
    let total = 0;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const data = await graphql(INCIDENTS, { filter, after });
      total = data.incidents.totalCount;
      for (const edge of data.incidents.edges) list.push(edge.node);
      if (!data.incidents.pageInfo.hasNextPage) break;
      after = data.incidents.pageInfo.endCursor;
    }
    return { list, total };
  }

  function assignColours() {
    const counts = new Map();
    for (const incident of state.incidents) {
      const key = incident[state.colourBy];
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    state.colours = new Map(ranked.map(([key], i) => [key, PALETTE[i] || OTHER]));
    const legend = $("legend");
    legend.replaceChildren();
    legend.hidden = ranked.length === 0;
    for (const [key, count] of ranked) {
      const item = element("li", { "data-key": key });
      const swatch = element("span", { class: "swatch" });
      swatch.style.background = state.colours.get(key);
      item.append(swatch, element("span", {}, `${words(key)} (${count})`));
      legend.append(item);
    }
  }

  const colourOf = (incident) => state.colours.get(incident[state.colourBy]) || OTHER;

  // ---- the map ----

  function size() {
    const box = svg.getBoundingClientRect();
    return [Math.max(box.width, 100), Math.max(box.height, 100)];
  }

  function fitTo(incidents) {
    const [width, height] = size();
    const coords = incidents
      .filter((i) => i.location && i.location.coordinates)
      .map((i) => [i.location.coordinates.longitude, i.location.coordinates.latitude]);
    if (!coords.length) {
      projection.fitExtent([[10, 10], [width - 10, height - 10]], { type: "Sphere" });
      return;
    }
    let [west, east] = d3.extent(coords, (c) => c[0]);
    let [south, north] = d3.extent(coords, (c) => c[1]);
    const padLon = Math.max(MIN_SPAN_DEGREES - (east - west), 0) / 2 + (east - west) * 0.15;
    const padLat = Math.max(MIN_SPAN_DEGREES / 2 - (north - south), 0) / 2 + (north - south) * 0.15;
    west -= padLon; east += padLon;
    south = Math.max(south - padLat, -85); north = Math.min(north + padLat, 85);
    projection.fitExtent([[40, 40], [width - 40, height - 40]], {
      type: "MultiPoint", coordinates: [[west, south], [east, north], [west, north], [east, south]],
    });
  }

  function fit() {
    fitTo(state.incidents);
    render();
  }

  function clusters() {
    const [width, height] = size();
    const groups = [];
    for (const incident of state.incidents) {
      const c = incident.location && incident.location.coordinates;
      if (!c) continue;
      const xy = projection([c.longitude, c.latitude]);
      if (!xy || xy[0] < -50 || xy[1] < -50 || xy[0] > width + 50 || xy[1] > height + 50) continue;
      const near = groups.find((g) => Math.hypot(g.x - xy[0], g.y - xy[1]) < CLUSTER_PX);
      if (near) {
        near.members.push(incident);
        near.x += (xy[0] - near.x) / near.members.length;
        near.y += (xy[1] - near.y) / near.members.length;
      } else {
        groups.push({ x: xy[0], y: xy[1], members: [incident] });
      }
    }
    return groups;
  }

  function render() {
    const [width, height] = size();
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.replaceChildren();
    if (state.land) {
      svg.append(element("svg:path", { class: "land", d: path(state.land) || "" }));
      svg.append(element("svg:path", { class: "borders", d: path(state.borders) || "" }));
    }
    const layer = element("svg:g", { class: "incidents" });
    const groups = clusters();
    const labelled = groups.length <= MAX_LABELS;
    for (const group of groups) {
      if (group.members.length === 1) {
        const incident = group.members[0];
        const dot = element("svg:circle", {
          class: "incident", cx: group.x, cy: group.y, r: 7, fill: colourOf(incident),
          "data-id": incident.id, "data-key": incident[state.colourBy],
        });
        dot.append(element("svg:title", {}, `${incident.occurredOn} ${incident.location.name}`));
        dot.addEventListener("click", (event) => showPopup([incident], event));
        layer.append(dot);
        if (labelled) {
          layer.append(element("svg:text", { class: "label", x: group.x + 10, y: group.y }, incident.location.name));
        }
      } else {
        const count = group.members.length;
        const ranked = new Map();
        for (const m of group.members) ranked.set(colourOf(m), (ranked.get(colourOf(m)) || 0) + 1);
        const colour = [...ranked.entries()].sort((a, b) => b[1] - a[1])[0][0];
        const g = element("svg:g", {
          class: "cluster", "data-count": count, "data-ids": group.members.map((m) => m.id).join(" "),
        });
        g.append(element("svg:circle", { cx: group.x, cy: group.y, r: 8 + 3 * Math.sqrt(count), fill: colour }));
        g.append(element("svg:text", { x: group.x, y: group.y }, String(count)));
        g.addEventListener("click", (event) => openCluster(group.members, event));
        layer.append(g);
      }
    }
    svg.append(layer);
  }

  function openCluster(members, event) {
    const places = new Set(members.map((m) => `${m.location.coordinates.latitude},${m.location.coordinates.longitude}`));
    if (places.size === 1) {
      showPopup(members, event);
    } else {
      popup.hidden = true;
      fitTo(members);
      render();
    }
  }

  function showPopup(incidents, event) {
    popup.replaceChildren();
    const close = element("button", { type: "button", class: "close", title: "Close" }, "×");
    close.addEventListener("click", () => { popup.hidden = true; });
    popup.append(close);
    for (const incident of incidents) {
      const article = element("article", { "data-id": incident.id });
      const place = incident.location;
      const where = place.country ? `${place.name}, ${place.country.name}` : place.name;
      article.append(element("h3", {}, `${incident.occurredOn} · ${where}`));
      article.append(element("p", {},
        `${words(incident.eventType)} · ${words(incident.weapon)} · ${words(incident.outcome)}`));
      article.append(element("p", {}, incident.summary));
      article.append(element("h4", {}, "Participants"));
      const people = element("ul", { class: "participants" });
      for (const p of incident.participants) {
        people.append(element("li", {}, `${words(p.role)}: ${p.actor ? p.actor.name : "unknown"}`));
      }
      article.append(people);
      article.append(element("h4", {}, "Sources"));
      const sources = element("ul", { class: "sources" });
      for (const s of incident.sources) {
        const item = element("li");
        const label = s.title || s.publisher || "source";
        if (s.url && /^https?:\/\//.test(s.url)) {
          item.append(element("a", { href: s.url, target: "_blank", rel: "noopener noreferrer" }, label));
        } else {
          item.append(document.createTextNode(label));
        }
        if (s.publisher && s.title) item.append(document.createTextNode(` (${s.publisher})`));
        sources.append(item);
      }
      article.append(sources);
      popup.append(article);
    }
    const panel = $("map-panel").getBoundingClientRect();
    const x = Math.min(event.clientX - panel.left + 12, panel.width - 370);
    const y = Math.min(event.clientY - panel.top + 12, panel.height * 0.4);
    popup.style.left = `${Math.max(x, 0)}px`;
    popup.style.top = `${Math.max(y, 0)}px`;
    popup.hidden = false;
  }

  // ---- zoom and pan ----

  let frame = 0;
  function schedule() {
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; render(); });
  }

  function zoom(factor, at) {
    const [width, height] = size();
    const point = at || [width / 2, height / 2];
    const anchor = projection.invert(point);
    projection.scale(Math.min(Math.max(projection.scale() * factor, 50), 200000));
    if (anchor) {
      const moved = projection(anchor);
      const [tx, ty] = projection.translate();
      projection.translate([tx + point[0] - moved[0], ty + point[1] - moved[1]]);
    }
    schedule();
  }

  function svgPoint(event) {
    const box = svg.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    zoom(event.deltaY < 0 ? 1.25 : 0.8, svgPoint(event));
  }, { passive: false });

  let drag = null;
  svg.addEventListener("pointerdown", (event) => {
    if (event.target !== svg && !event.target.classList.contains("land")) return;
    popup.hidden = true;
    drag = svgPoint(event);
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const now = svgPoint(event);
    const [tx, ty] = projection.translate();
    projection.translate([tx + now[0] - drag[0], ty + now[1] - drag[1]]);
    drag = now;
    schedule();
  });
  svg.addEventListener("pointerup", () => { drag = null; });
  $("zoom-in").addEventListener("click", () => zoom(1.5));
  $("zoom-out").addEventListener("click", () => zoom(1 / 1.5));
  $("zoom-fit").addEventListener("click", fit);
  window.addEventListener("resize", fit);

  // ---- the timeline ----

  function drawTimeline(stats) {
    const chart = $("timeline");
    chart.replaceChildren();
    const box = chart.getBoundingClientRect();
    const width = Math.max(box.width, 100);
    const height = Math.max(box.height, 60);
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    const groups = stats.groups.filter((g) => g.period);
    if (!groups.length) {
      chart.append(element("svg:text", { class: "axis", x: 4, y: height / 2 }, "No incidents"));
      return;
    }
    const day = 86400000;
    let start = Date.parse(groups[0].period.start);
    let end = Date.parse(groups[groups.length - 1].period.end) + day;
    const missing = Math.max(MIN_WEEKS * 7 * day - (end - start), 0);
    start -= Math.round(missing / 14 / day) * 7 * day;
    end += missing - Math.round(missing / 14 / day) * 7 * day;
    const left = 28;
    const right = width - 8;
    const bottom = height - 18;
    const x = (t) => left + ((t - start) / (end - start)) * (right - left);
    const most = d3.max(groups, (g) => g.incidents);
    const y = (n) => bottom - (n / most) * (bottom - 8);
    chart.append(element("svg:line", { class: "baseline", x1: left, x2: right, y1: bottom, y2: bottom }));
    chart.append(element("svg:text", { class: "axis", x: 2, y: 12 }, String(most)));
    const every = Math.max(1, Math.ceil(groups.length / Math.max(1, Math.floor((right - left) / 70))));
    groups.forEach((group, i) => {
      const x0 = x(Date.parse(group.period.start));
      const x1 = x(Date.parse(group.period.end) + day);
      const bar = element("svg:rect", {
        class: "week", x: x0 + 1, width: Math.max(x1 - x0 - 2, 1), y: y(group.incidents),
        height: bottom - y(group.incidents), "data-label": group.period.label, "data-count": group.incidents,
      });
      bar.append(element("svg:title", {}, `${group.period.label} (${group.period.start} to ${group.period.end}): ${group.incidents}`));
      chart.append(bar);
      if (i % every === 0) {
        chart.append(element("svg:text", { class: "axis", x: x0 + 1, y: height - 4 }, group.period.label));
      }
    });
  }

  // ---- start ----

  $("filter-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    const text = $("filter").value.trim();
    if (text) params.set("filter", text);
    if ($("colour").value !== "weapon") params.set("colour", $("colour").value);
    const query = params.toString();
    window.history.pushState(null, "", query ? `?${query}` : window.location.pathname);
    readUrl();
    load();
  });
  $("colour").addEventListener("change", () => {
    state.colourBy = $("colour").value;
    const params = new URLSearchParams(window.location.search);
    if (state.colourBy === "weapon") params.delete("colour");
    else params.set("colour", state.colourBy);
    window.history.replaceState(null, "", params.size ? `?${params}` : window.location.pathname);
    assignColours();
    render();
  });
  window.addEventListener("popstate", () => { readUrl(); load(); });

  readUrl();
  fetch("/static/vendor/map/countries-50m.json")
    .then((response) => response.json())
    .then((world) => {
      state.land = topojson.feature(world, world.objects.countries);
      state.borders = topojson.mesh(world, world.objects.countries, (a, b) => a !== b);
    })
    .catch((error) => setStatus(`Could not load the country outlines: ${error.message}`, true))
    .finally(load);
})();
