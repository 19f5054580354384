// Swagger UI on the served OpenAPI document (no inline script: the CSP allows scripts from this server only)
window.addEventListener('load', function () {
  window.SwaggerUIBundle({url: '/api/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true});
});
