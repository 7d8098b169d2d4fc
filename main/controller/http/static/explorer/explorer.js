// The graph explorer: find a company, see its neighbourhood, walk it.
//
// Everything shown comes from the API (same origin, relative URLs) and is set as text
// (textContent, cytoscape's canvas labels): a company's name never becomes markup. The
// URL says what is shown (?company=ID, and &expand=NODE for each place or industry opened),
// so the back button and a shared link give the same view. A newer request cancels an
// older one of its kind (a view's or a search's AbortController).
"use strict";

(() => {
  const API = "api/v1";
  // the collections whose companies the API lists, by the path it lists them under
  const LISTED = { City: "cities", Country: "countries", Industry: "industries" };
  const EXPANSION_PAGE = 20;
  const SEARCH_PAGE = 10;
  const SEARCH_DELAY_MS = 250;

  const element = (id) => document.getElementById(id);
  const statusLine = element("status");
  const retryButton = element("retry");
  const canvas = element("canvas");
  const twin = element("twin");
  const hits = element("hits");
  const query = element("q");
  const searchForm = element("search");

  const STYLE = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "font-size": 12,
        "text-valign": "bottom",
        "text-margin-y": 3,
        "text-wrap": "ellipsis",
        "text-max-width": 140,
        color: "#1d1d1d",
        "text-background-color": "#ffffff",
        "text-background-opacity": 0.75,
        "border-width": 1,
        "border-color": "#1d1d1d",
        width: 18,
        height: 18,
      },
    },
    { selector: 'node[type = "Company"]', style: { shape: "ellipse", "background-color": "#3b6fb6" } },
    { selector: 'node[type = "City"]', style: { shape: "round-rectangle", "background-color": "#2e8b57", width: 26, height: 22 } },
    { selector: 'node[type = "State"]', style: { shape: "hexagon", "background-color": "#8a5fb0", width: 26, height: 24 } },
    { selector: 'node[type = "Country"]', style: { shape: "diamond", "background-color": "#c0392b", width: 30, height: 30 } },
    { selector: 'node[type = "Industry"]', style: { shape: "triangle", "background-color": "#e08a00", width: 28, height: 26 } },
    { selector: 'node[type = "More"]', style: { shape: "tag", "background-color": "#f2f2f2", "border-style": "dashed", width: 30, height: 18 } },
    { selector: "node.centre", style: { width: 34, height: 34, "border-width": 4, "font-size": 13, "font-weight": "bold" } },
    { selector: "edge", style: { width: 1, "line-color": "#9a9a9a", "curve-style": "haystack", opacity: 0.7 } },
  ];

  const cy = cytoscape({ container: canvas, style: STYLE, minZoom: 0.05, maxZoom: 4 });
  window.explorer = { cy };

  let view = null; // { company, expand: [node ids] }
  let viewRequests = null; // the AbortController of the view's requests
  let searchRequests = null;
  let searchTimer = null;
  let lastAction = null; // what Retry does again

  class ApiProblem extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind; // "not-found", "refused" or "down"
    }
  }

  async function getJson(url, signal) {
    let response;
    try {
      response = await fetch(url, { signal, headers: { Accept: "application/json" } });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiProblem("down", "The API is not answering.");
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      if (error.name === "AbortError") throw error;
    }
    if (response.ok && body !== null) return body;
    const said = body && typeof body.message === "string" ? body.message : `HTTP ${response.status}`;
    if (response.status === 404) throw new ApiProblem("not-found", said);
    if (response.status >= 500 || response.status === 429 || body === null) {
      throw new ApiProblem("down", `The API is not answering (${said}).`);
    }
    throw new ApiProblem("refused", said);
  }

  function say(text, canRetry = false) {
    statusLine.textContent = text;
    retryButton.hidden = !canRetry;
  }

  function sayProblem(problem, notFound) {
    if (problem.kind === "not-found") say(notFound);
    else if (problem.kind === "down") say(problem.message, true);
    else say(`The API refused the request: ${problem.message}`);
  }

  // --- the URL ------------------------------------------------------------------------

  function viewFromUrl() {
    const params = new URLSearchParams(window.location.search);
    const company = params.get("company");
    return company ? { company, expand: params.getAll("expand").filter(isListed) } : null;
  }

  function urlOf(shown) {
    const params = new URLSearchParams({ company: shown.company });
    shown.expand.forEach((id) => params.append("expand", id));
    return `graph?${params}`;
  }

  function go(shown) {
    window.history.pushState(null, "", urlOf(shown));
    show(shown);
  }

  const collectionOf = (id) => id.slice(0, id.indexOf("/"));
  const keyOf = (id) => id.slice(id.indexOf("/") + 1);
  const isListed = (id) => Object.hasOwn(LISTED, collectionOf(id));

  // --- the view -----------------------------------------------------------------------

  async function show(shown) {
    lastAction = () => show(shown);
    if (viewRequests) viewRequests.abort();
    const requests = (viewRequests = new AbortController());
    view = shown;
    say(`Loading the graph of ${shown.company}…`);
    try {
      const graph = await getJson(
        `${API}/companies/${encodeURIComponent(shown.company)}/graph?depth=2`,
        requests.signal,
      );
      const pages = await Promise.all(
        shown.expand.map((hub) => getJson(firstPageOf(hub), requests.signal).then((page) => [hub, page])),
      );
      if (requests.signal.aborted) return; // a newer view was asked for meanwhile
      draw(graph, shown.company);
      pages.forEach(([hub, page]) => addPage(hub, page));
      arrange();
      performance.mark("explorer:drawn"); // bench/explorer times the page by these marks
      say(`${cy.nodes(".centre").data("name")}: ${cy.nodes().length} nodes.`);
    } catch (problem) {
      if (problem.name === "AbortError") return;
      clear(problem.kind === "not-found" ? `No company has the id ${shown.company}.` : problem.message);
      sayProblem(problem, `No company has the id ${shown.company}.`);
    }
  }

  function centreKey(graph, asked) {
    const wanted = asked.toLowerCase();
    const found = graph.nodes.find((node) => node.collection === "Company" && node.key.toLowerCase() === wanted);
    return found ? found.key : asked;
  }

  function firstPageOf(hub) {
    return `${API}/${LISTED[collectionOf(hub)]}/${encodeURIComponent(keyOf(hub))}/companies?per_page=${EXPANSION_PAGE}`;
  }

  function nodeName(node) {
    const name = node.properties && node.properties.name;
    return typeof name === "string" && name ? name : node.key;
  }

  function draw(graph, asked) {
    const centre = `Company/${centreKey(graph, asked)}`;
    cy.elements().remove();
    cy.add(
      graph.nodes.map((node) => ({
        group: "nodes",
        data: {
          id: node.id,
          type: node.collection,
          name: nodeName(node),
          level: node.id === centre ? 3 : node.collection === "Company" ? 1 : 2,
        },
        classes: node.id === centre ? "centre" : "",
      })),
    );
    cy.add(
      graph.edges
        .filter((edge) => cy.getElementById(edge.from).nonempty() && cy.getElementById(edge.to).nonempty())
        .map((edge) => ({ group: "edges", data: { id: edgeId(edge.from, edge.to), source: edge.from, target: edge.to } })),
    );
    const omitted = graph.omitted || {};
    cy.nodes().forEach((node) => {
      if (node.data("type") !== "Company") node.data("total", node.degree() + (omitted[node.id()] || 0));
    });
    relabel();
  }

  const edgeId = (from, to) => `${from}->${to}`;

  // A hub's label says how many of its companies are not drawn: "Berlin (+120)".
  function relabel() {
    cy.nodes().forEach((node) => {
      const total = node.data("total");
      const drawn = node.neighborhood('node[type = "Company"]').length;
      const left = total === undefined ? 0 : total - drawn;
      node.data("label", left > 0 ? `${node.data("name")} (+${left})` : node.data("name"));
    });
    retwin();
  }

  function clear(message) {
    cy.elements().remove();
    canvas.setAttribute("aria-label", `The graph: ${message}`);
    twin.replaceChildren(paragraph(message));
    canvas.dataset.empty = message;
  }

  function arrange() {
    cy.layout({
      name: "concentric",
      concentric: (node) => node.data("level"),
      levelWidth: () => 1,
      // rings equally apart: the few places and industries sit halfway out, clear of the centre
      equidistant: true,
      minNodeSpacing: 2,
      animate: false,
    }).run();
    cy.fit(undefined, 20);
    const centre = cy.nodes(".centre");
    canvas.setAttribute(
      "aria-label",
      `The graph of ${centre.data("name")}: ${cy.nodes().length} nodes; the same nodes are listed beside it.`,
    );
    delete canvas.dataset.empty;
  }

  // --- expanding a place or an industry -------------------------------------------------

  async function expand(hub, url) {
    lastAction = () => expand(hub, url);
    const requests = viewRequests;
    say(`Loading the companies of ${cy.getElementById(hub).data("name")}…`);
    try {
      const page = await getJson(url || firstPageOf(hub), requests.signal);
      if (requests.signal.aborted) return;
      addPage(hub, page);
      arrange();
      performance.mark("explorer:expanded");
      say(`${cy.getElementById(hub).data("name")}: ${page.data.length} companies added.`);
      if (!url && !view.expand.includes(hub)) {
        view = { company: view.company, expand: [...view.expand, hub] };
        window.history.pushState(null, "", urlOf(view));
      }
    } catch (problem) {
      if (problem.name === "AbortError") return;
      sayProblem(problem, `${cy.getElementById(hub).data("name")} is no longer in the graph.`);
    }
  }

  function addPage(hub, page) {
    const node = cy.getElementById(hub);
    if (node.empty()) return;
    page.data.forEach((company) => {
      const id = `Company/${company.id}`;
      if (cy.getElementById(id).empty()) {
        cy.add({ group: "nodes", data: { id, type: "Company", name: company.name || company.id, level: 0 } });
      }
      if (cy.getElementById(edgeId(id, hub)).empty()) {
        cy.add({ group: "edges", data: { id: edgeId(id, hub), source: id, target: hub } });
      }
    });
    const more = `More/${hub}`;
    cy.getElementById(more).remove();
    const next = page.links && page.links.next;
    if (next) {
      cy.add({ group: "nodes", data: { id: more, type: "More", name: "more…", level: 0, hub, next } });
      cy.add({ group: "edges", data: { id: edgeId(more, hub), source: more, target: hub } });
    }
    relabel();
  }

  // --- what a click does, on the canvas or in the list -----------------------------------

  function act(id) {
    const node = cy.getElementById(id);
    if (node.empty()) return;
    const type = node.data("type");
    if (type === "Company") {
      if (!node.hasClass("centre")) go({ company: keyOf(id), expand: [] });
    } else if (type === "More") {
      expand(node.data("hub"), node.data("next"));
    } else if (isListed(id)) {
      expand(id, null);
    } else {
      say(`${node.data("name")} is a state: the API lists companies by city, country or industry.`);
    }
  }

  cy.on("tap", "node", (event) => act(event.target.id()));

  // --- the text twin: the same nodes as buttons, grouped by hub --------------------------

  function button(id, text) {
    const made = document.createElement("button");
    made.type = "button";
    made.textContent = text;
    made.dataset.node = id;
    return made;
  }

  function paragraph(text) {
    const made = document.createElement("p");
    made.textContent = text;
    return made;
  }

  function listOf(nodes) {
    const list = document.createElement("ul");
    nodes.forEach((node) => {
      const item = document.createElement("li");
      item.append(button(node.id(), node.data("type") === "More" ? `More companies of ${cy.getElementById(node.data("hub")).data("name")}` : node.data("name")));
      list.append(item);
    });
    return list;
  }

  function retwin() {
    const centre = cy.nodes(".centre");
    if (centre.empty()) return;
    const sections = [];
    const heading = document.createElement("h2");
    heading.textContent = "Company";
    sections.push(heading, listOf(centre));
    cy.nodes('[type != "Company"][type != "More"]').forEach((hub) => {
      const section = document.createElement("section");
      const title = document.createElement("h3");
      title.append(button(hub.id(), `${hub.data("type")}: ${hub.data("label")}`));
      const members = hub.neighborhood('node[type = "Company"], node[type = "More"]').filter((node) => !node.hasClass("centre"));
      section.append(title, listOf(members.sort((a, b) => (a.data("type") === "More") - (b.data("type") === "More"))));
      sections.push(section);
    });
    twin.replaceChildren(...sections);
  }

  twin.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-node]");
    if (target) act(target.dataset.node);
  });

  // --- search --------------------------------------------------------------------------

  async function search() {
    const text = query.value.trim();
    if (searchRequests) searchRequests.abort();
    if (!text) {
      hits.replaceChildren();
      return;
    }
    lastAction = search;
    const requests = (searchRequests = new AbortController());
    try {
      const page = await getJson(`${API}/companies?q=${encodeURIComponent(text)}&per_page=${SEARCH_PAGE}`, requests.signal);
      if (requests.signal.aborted) return;
      hits.replaceChildren(...page.data.map(hit));
      if (!page.data.length) hits.replaceChildren(listItem(paragraph(`No company matches “${text}”.`)));
      if (retryButton.hidden === false) say("");
    } catch (problem) {
      if (problem.name === "AbortError") return;
      sayProblem(problem, `No company matches “${text}”.`);
    }
  }

  function listItem(child) {
    const item = document.createElement("li");
    item.append(child);
    return item;
  }

  function hit(company) {
    const link = document.createElement("a");
    link.href = `graph?company=${encodeURIComponent(company.id)}`;
    link.dataset.company = company.id;
    const place = company.place || {};
    const where = [place.city, place.country].filter(Boolean).map((part) => part.name);
    link.textContent = where.length ? `${company.name} (${where.join(", ")})` : company.name;
    return listItem(link);
  }

  query.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, SEARCH_DELAY_MS);
  });

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    search();
  });

  hits.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-company]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    go({ company: link.dataset.company, expand: [] });
  });

  retryButton.addEventListener("click", () => {
    if (lastAction) lastAction();
  });

  window.addEventListener("popstate", start);

  function start() {
    const shown = viewFromUrl();
    const asked = new URLSearchParams(window.location.search).get("q");
    if (asked !== null && !query.value) {
      query.value = asked;
      search();
    }
    if (shown) {
      show(shown);
    } else {
      if (viewRequests) viewRequests.abort();
      view = null;
      clear("find a company to see its graph");
      say("Find a company by name to see its graph.");
    }
  }

  start();
})();
