// Package apigen is generated from openapi.yaml by `go tool task gen`
// (oapi-codegen: models, the Echo strict-server interface and the embedded
// spec). Never edit apigen.gen.go by hand; change the contract and regenerate.
package apigen
