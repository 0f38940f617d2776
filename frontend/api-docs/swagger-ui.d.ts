// The part of Swagger UI's options this page uses; swagger-ui-dist ships no types.
declare module 'swagger-ui-dist/swagger-ui-es-bundle.js' {
  interface SwaggerUIOptions {
    url: string
    domNode: HTMLElement
    validatorUrl: string | null
    deepLinking?: boolean
    docExpansion?: 'list' | 'full' | 'none'
    defaultModelsExpandDepth?: number
    displayRequestDuration?: boolean
    tryItOutEnabled?: boolean
    withCredentials?: boolean
    onComplete?: () => void
  }
  const SwaggerUI: (options: SwaggerUIOptions) => unknown
  export default SwaggerUI
}
