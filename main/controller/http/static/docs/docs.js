// Swagger UI over both documents of the API, by URLs relative to the page (right behind any
// proxy): OpenAPI 3.1, which clients generate from, first; Swagger 2.0 beside it.
"use strict";

window.ui = SwaggerUIBundle({
  urls: [
    { url: "openapi.json", name: "OpenAPI 3.1 (openapi.json)" },
    { url: "swagger.json", name: "Swagger 2.0 (swagger.json)" },
  ],
  "urls.primaryName": "OpenAPI 3.1 (openapi.json)",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
});
