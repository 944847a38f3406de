// Sitrep's GraphiQL page: GraphiQL 3 with the explorer plugin and an "Examples" plugin.
// The saved examples (app/examples.py) come inline as JSON; they are also GraphiQL's
// default tabs, the headline question first. Clicking an example opens its tab (or a
// new one when it was edited away) and runs it. ?q= and ?variables= open a query given
// in the URL, as /explore's "Open in GraphiQL" link does.
(function () {
  "use strict";
  const h = React.createElement;
  const examples = JSON.parse(document.getElementById("sitrep-examples").textContent);
  const params = new URLSearchParams(window.location.search);
  const url = window.location.origin + window.location.pathname;
  const fetcher = GraphiQL.createFetcher({
    url: url,
    subscriptionUrl: url.replace(/^http/, "ws"),
  });
  const { useEditorContext, useExecutionContext } = GraphiQL.React;

  function ExamplesPanel() {
    const editor = useEditorContext({ nonNull: true });
    const execution = useExecutionContext({ nonNull: true });
    const [pending, setPending] = React.useState(null);

    React.useEffect(() => {
      if (!pending || !editor.queryEditor) return;
      if (editor.queryEditor.getValue() !== pending.query) {
        editor.queryEditor.setValue(pending.query);
        if (editor.variableEditor) editor.variableEditor.setValue(pending.variables);
      }
      // GraphiQL works out the operation name 100 ms after an edit; the example has one.
      editor.queryEditor.operationName = pending.name;
      setPending(null);
      execution.run();
    }, [pending, editor.activeTabIndex]);

    function open(example) {
      const index = editor.tabs.findIndex((tab) => tab.query === example.query);
      if (index === editor.activeTabIndex) {
        // already open: fall through to the effect, which runs it
      } else if (index >= 0) {
        editor.changeTab(index);
      } else {
        editor.addTab();
      }
      setPending(example);
    }

    return h(
      "div",
      null,
      h("div", { className: "graphiql-doc-explorer-title" }, "Examples"),
      h("p", null, "Click an example to open it in its tab and run it."),
      h(
        "ul",
        { className: "sitrep-examples" },
        examples.map((example) =>
          h(
            "li",
            { key: example.name },
            h(
              "button",
              { type: "button", "data-example": example.name, onClick: () => open(example) },
              example.title,
              h("span", { className: "name" }, example.name),
            ),
          ),
        ),
      ),
      h(
        "p",
        { className: "sitrep-links" },
        "Incidents on a map and a timeline: ",
        h("a", { href: "/explore" }, "/explore"),
      ),
    );
  }

  function ExamplesIcon() {
    return h(
      "svg",
      { viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", strokeWidth: 1.5 },
      h("path", { d: "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01" }),
    );
  }

  const examplesPlugin = { title: "Examples", icon: ExamplesIcon, content: ExamplesPanel };
  const explorerPlugin = GraphiQLPluginExplorer.explorerPlugin();

  function SitrepGraphiQL() {
    return h(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: examples.map((e) => ({ query: e.query, variables: e.variables })),
      query: params.get("q") || undefined,
      variables: params.get("variables") || undefined,
      plugins: [examplesPlugin, explorerPlugin],
      visiblePlugin: examplesPlugin,
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(h(SitrepGraphiQL));
})();
