// Swagger UI, served by the Worker itself; it reads the document generated from our zod schemas.
window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  persistAuthorization: false,
  validatorUrl: null, // no calls to validator.swagger.io: the page works offline
});
