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
    // Deep links put an anchor inside each operation's toggle button,
    // interactive content nested in interactive content (axe: serious).
    deepLinking: false,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    tryItOutEnabled: false,
    // Cookie sessions need same-origin credentials for "Try it out".
    withCredentials: true,
    onComplete: () => root.setAttribute('aria-busy', 'false'),
  })
  // Swagger UI leaves a few things unnamed or unreachable by keyboard; it
  // re-renders as operations open, so they are mended as they appear.
  const mend = () => {
    root.querySelector('#servers')?.setAttribute('aria-label', 'Server')
    for (const pre of root.querySelectorAll<HTMLElement>('pre.microlight:not([tabindex])')) {
      pre.tabIndex = 0 // a scrollable example must be scrollable from the keyboard
      pre.setAttribute('role', 'region')
      pre.setAttribute('aria-label', 'Example')
    }
  }
  new MutationObserver(mend).observe(root, { childList: true, subtree: true })
}
