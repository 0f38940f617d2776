// Package httpapi is Konstruct's HTTP edge. It composes the domain packages'
// strict-server handlers into the interface generated from openapi.yaml,
// installs the middleware every request passes (request id, logging, panic
// recovery, body limits, validation against the contract, authentication,
// rate limits, idempotency), routes the webhooks that need their raw body,
// serves the portal SPA, and renders every error as an RFC 9457 problem.
//
// Handlers never build error bodies: they return errors, and render.go turns
// each into exactly one status and problem document.
package httpapi
