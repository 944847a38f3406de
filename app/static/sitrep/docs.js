// Swagger UI for /openapi.json, from Sitrep's own copy. validatorUrl: null keeps it from
// asking validator.swagger.io for a badge (no request leaves the machine).
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
