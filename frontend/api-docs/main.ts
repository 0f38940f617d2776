// The integrator docs served at /api/docs: Swagger UI bundled from npm and
// pointed at the server's own spec. Nothing here may reach another host: no
// validator badge, no fonts, no telemetry.
import SwaggerUI from 'swagger-ui-dist/swagger-ui-es-bundle.js'
import 'swagger-ui-dist/swagger-ui.css'
import './docs.css'

const root = document.getElementById('docs')
if (root) {
  SwaggerUI({
    url: '/api/openapi.json',
    domNode: root,
    validatorUrl: null,
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    tryItOutEnabled: false,
    // Cookie sessions need same-origin credentials for "Try it out".
    withCredentials: true,
    onComplete: () => root.setAttribute('aria-busy', 'false'),
  })
}
