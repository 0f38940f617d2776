package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/konstruct/konstruct/api/errs"
)

// operation is one operation of the contract, keyed by Echo's route path.
type operation struct {
	route *routers.Route
	op    *openapi3.Operation
	// public operations declare `security: []`.
	public bool
}

// routeTable maps "METHOD /echo/:path" to the contract's operation.
type routeTable map[string]*operation

func echoPath(openapiPath string) string {
	return braces.ReplaceAllString(openapiPath, ":$1")
}

var braces = regexp.MustCompile(`\{([^}]+)\}`)

func newRouteTable(spec *openapi3.T) routeTable {
	t := routeTable{}
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			public := op.Security != nil && len(*op.Security) == 0
			t[method+" "+echoPath(path)] = &operation{
				route: &routers.Route{Spec: spec, Path: path, PathItem: item, Method: method, Operation: op},
				op:    op, public: public,
			}
		}
	}
	return t
}

func (t routeTable) lookup(c echo.Context) *operation {
	return t[c.Request().Method+" "+c.Path()]
}

func init() {
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(`^[^@\s]+@[^@\s]+\.[^@\s]+$`))
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`))
}

// validateRequests checks every request to a contract operation against the
// contract before a handler runs. A request that does not match gets 400;
// one that matches the shape but breaks a declared rule (length, range,
// pattern, enum) gets 422. Both list the fields. On top of the contract, no
// string may contain U+0000 (see nulFields).
func validateRequests(routes routeTable) echo.MiddlewareFunc {
	opts := &openapi3filter.Options{
		MultiError:         true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, // auth has its own middleware
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			op := routes.lookup(c)
			if op == nil {
				return next(c)
			}
			params := map[string]string{}
			for i, name := range c.ParamNames() {
				params[name] = c.ParamValues()[i]
			}
			in := &openapi3filter.RequestValidationInput{
				Request: c.Request(), PathParams: params, Route: op.route, Options: opts,
			}
			err := openapi3filter.ValidateRequest(c.Request().Context(), in)
			extra := nulFields(c, op)
			wire := integerLiterals(c, op)
			if err != nil || len(extra) > 0 || len(wire) > 0 {
				return contractError(err, wire, extra...)
			}
			return next(c)
		}
	}
}

// ruleKeywords are schema keywords whose failure means "well-formed but
// breaks a rule" (422) rather than "does not match the contract" (400).
var ruleKeywords = map[string]bool{
	"minLength": true, "maxLength": true, "minimum": true, "maximum": true,
	"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"pattern": true, "enum": true, "minItems": true, "maxItems": true,
	"uniqueItems": true, "format": true, "minProperties": true, "maxProperties": true,
}

// contractError turns kin-openapi's error (nil when it found nothing), wire,
// mismatches with the contract found outside kin-openapi, and extra, rule
// violations found outside it, into one problem listing every field.
func contractError(err error, wire []errs.FieldError, extra ...errs.FieldError) error {
	var fields []errs.FieldError
	rulesOnly := len(wire) == 0
	if err != nil {
		collectFieldErrors(err, "", &fields, &rulesOnly)
	}
	if err != nil && len(fields) == 0 {
		fields = []errs.FieldError{{Location: "body", Message: err.Error()}}
		rulesOnly = false
	}
	// A NUL character also breaks a field's pattern; its own message says
	// what is wrong, so it replaces the contract's at that location.
	if len(extra) > 0 {
		named := map[string]bool{}
		for _, f := range extra {
			named[f.Location] = true
		}
		fields = slices.DeleteFunc(fields, func(f errs.FieldError) bool { return named[f.Location] })
	}
	fields = append(fields, wire...)
	fields = append(fields, extra...) // rule violations: they keep rulesOnly
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Location < fields[j].Location })
	// One message per field, the first rule it breaks (an empty name is
	// "must not be empty", not also "has the wrong format"): every field is
	// listed, and a form has one place per field to show it.
	fields = slices.CompactFunc(fields, func(a, b errs.FieldError) bool { return a.Location == b.Location })
	kind, msg := errs.Invalid, "The request breaks a rule; see errors."
	if !rulesOnly {
		kind, msg = errs.BadRequest, "The request does not match the API contract; see errors."
	}
	if len(fields) == 1 {
		msg = fields[0].Location + ": " + fields[0].Message
	}
	return &errs.Error{Kind: kind, Message: msg, Fields: fields, Err: err}
}

// nulMessage is the error for a string holding U+0000.
const nulMessage = "must not contain the NUL character (U+0000)"

// nulFields names every parameter and body string (values and object keys, at
// any depth) that contains U+0000. bun interpolates arguments into the SQL
// text and PostgreSQL refuses U+0000 in text and jsonb, so such a value would
// otherwise reach the database and fail the request with a 500 (and could
// abort a transaction half-way). No field of the contract has a use for it.
//
// Invalid UTF-8 needs no rule: encoding/json (here and in the generated
// handlers) replaces it, and lone surrogate escapes, with U+FFFD, which
// PostgreSQL stores.
func nulFields(c echo.Context, op *operation) []errs.FieldError {
	var out []errs.FieldError
	// Parameters as the generated handlers read them: Echo's path values and
	// the decoded query. Headers cannot carry NUL: net/http refuses them.
	for i, name := range c.ParamNames() {
		if strings.ContainsRune(c.ParamValues()[i], 0) {
			out = append(out, errs.FieldError{Location: "path." + name, Message: nulMessage})
		}
	}
	query := c.QueryParams()
	for name, values := range query {
		for _, v := range values {
			if strings.ContainsRune(v, 0) || strings.ContainsRune(name, 0) {
				out = append(out, errs.FieldError{Location: "query." + visibleNUL(name), Message: nulMessage})
				break
			}
		}
	}
	if op.op.RequestBody == nil || c.Request().GetBody == nil {
		return out
	}
	// kin-openapi left the body it read re-readable; an unreadable or
	// malformed body has already been reported by the contract check.
	body, err := c.Request().GetBody()
	if err != nil {
		return out
	}
	data, err := io.ReadAll(body)
	// A raw NUL byte is not valid JSON, so only the escape can carry one; the
	// walk below runs only when the escape (or a harmless "\\u0000") is there.
	if err != nil || !bytes.Contains(data, []byte(`\u0000`)) {
		return out
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return out
	}
	walkNUL(v, "body", &out)
	return out
}

// walkNUL appends the location of every string in v containing U+0000,
// spelling locations like the contract errors (body.tools[0].headers.X-Key).
func walkNUL(v any, loc string, out *[]errs.FieldError) {
	switch v := v.(type) {
	case string:
		if strings.ContainsRune(v, 0) {
			*out = append(*out, errs.FieldError{Location: loc, Message: nulMessage})
		}
	case []any:
		for i, item := range v {
			walkNUL(item, loc+"["+strconv.Itoa(i)+"]", out)
		}
	case map[string]any:
		for k, item := range v {
			if strings.ContainsRune(k, 0) {
				*out = append(*out, errs.FieldError{Location: loc + "." + visibleNUL(k), Message: nulMessage})
				continue
			}
			walkNUL(item, loc+"."+k, out)
		}
	}
}

// integerMessage is the error for an integer field written as 2e1 or 20.0.
const integerMessage = "must be an integer written as digits, without a fraction or exponent (20, not 2e1 or 20.0)"

// integerLiterals names every integer field of the body written with a
// fraction or an exponent. JSON Schema counts 2e1 as the integer 20, so
// kin-openapi lets it through, but the generated handlers decode into Go
// integers and would refuse it after validation, without naming the field.
// Refusing it here (400, as a mismatch with the contract's integer) keeps
// every such answer a problem with its location.
func integerLiterals(c echo.Context, op *operation) []errs.FieldError {
	if op.op.RequestBody == nil || op.op.RequestBody.Value == nil || c.Request().GetBody == nil {
		return nil
	}
	mt := op.op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	body, err := c.Request().GetBody()
	if err != nil {
		return nil
	}
	data, err := io.ReadAll(body)
	// Only a number with a '.', 'e' or 'E' can be at fault; most bodies have
	// none outside strings, but the walk below is cheap either way.
	if err != nil || !bytes.ContainsAny(data, ".eE") {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil // malformed: the contract check has reported it
	}
	var out []errs.FieldError
	walkIntegers(v, mt.Schema, "body", &out)
	return out
}

// walkIntegers follows v and its schema together (properties, additional
// properties, items, allOf branches) and reports integer-typed numbers that
// are not written as plain integers.
func walkIntegers(v any, ref *openapi3.SchemaRef, loc string, out *[]errs.FieldError) {
	if ref == nil || ref.Value == nil {
		return
	}
	s := ref.Value
	for _, branch := range s.AllOf {
		walkIntegers(v, branch, loc, out)
	}
	switch v := v.(type) {
	case json.Number:
		if s.Type.Is(openapi3.TypeInteger) && strings.ContainsAny(v.String(), ".eE") {
			*out = append(*out, errs.FieldError{Location: loc, Message: integerMessage})
		}
	case []any:
		for i, item := range v {
			walkIntegers(item, s.Items, loc+"["+strconv.Itoa(i)+"]", out)
		}
	case map[string]any:
		for k, item := range v {
			if p, ok := s.Properties[k]; ok {
				walkIntegers(item, p, loc+"."+k, out)
			} else if s.AdditionalProperties.Schema != nil {
				walkIntegers(item, s.AdditionalProperties.Schema, loc+"."+k, out)
			}
		}
	}
}

// visibleNUL spells a name containing NUL visibly for a location.
func visibleNUL(s string) string { return strings.ReplaceAll(s, "\x00", `\u0000`) }

var (
	missingProp     = regexp.MustCompile(`property "([^"]+)" is missing`)
	unsupportedProp = regexp.MustCompile(`property "([^"]+)" is unsupported`)
)

// collectFieldErrors walks kin-openapi's error tree. Type switches, not
// errors.As: a RequestError unwraps to the MultiError of its schema errors,
// and errors.As would skip the RequestError that knows the location.
func collectFieldErrors(err error, location string, out *[]errs.FieldError, rulesOnly *bool) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collectFieldErrors(inner, location, out, rulesOnly)
		}
	case *openapi3filter.RequestError:
		loc := "body"
		if e.Parameter != nil {
			loc = e.Parameter.In + "." + e.Parameter.Name
		}
		if e.Err == nil {
			*rulesOnly = false
			*out = append(*out, errs.FieldError{Location: loc, Message: e.Reason})
			return
		}
		collectFieldErrors(e.Err, loc, out, rulesOnly)
	case *openapi3.SchemaError:
		if e.SchemaField == "allOf" && e.Origin != nil {
			// allOf reports its first failing branch as the origin, whose own
			// pointer is relative to the same value.
			collectFieldErrors(e.Origin, location, out, rulesOnly)
			return
		}
		loc := location
		for _, p := range e.JSONPointer() {
			if isIndex(p) {
				loc += "[" + p + "]" // body.fallback_models[1], as the domain validator spells it
			} else {
				loc += "." + p
			}
		}
		msg := schemaMessage(e)
		if m := missingProp.FindStringSubmatch(e.Reason); m != nil {
			if !strings.HasSuffix(loc, "."+m[1]) {
				loc += "." + m[1]
			}
			msg = "is required"
		} else if m := unsupportedProp.FindStringSubmatch(e.Reason); m != nil {
			loc += "." + m[1]
			msg = "is not a known field"
		}
		if !ruleKeywords[e.SchemaField] {
			*rulesOnly = false
		}
		*out = append(*out, errs.FieldError{Location: loc, Message: msg})
	case *openapi3filter.ParseError:
		*rulesOnly = false
		msg := "is not valid JSON"
		if location != "body" {
			msg = "cannot be parsed: " + e.Reason
		}
		*out = append(*out, errs.FieldError{Location: location, Message: msg})
	default:
		var reqErr *openapi3filter.RequestError
		var schemaErr *openapi3.SchemaError
		var parseErr *openapi3filter.ParseError
		switch {
		case errors.As(err, &reqErr):
			collectFieldErrors(reqErr, location, out, rulesOnly)
		case errors.As(err, &parseErr):
			collectFieldErrors(parseErr, location, out, rulesOnly)
		case errors.As(err, &schemaErr):
			collectFieldErrors(schemaErr, location, out, rulesOnly)
		default:
			*rulesOnly = false
			*out = append(*out, errs.FieldError{Location: location, Message: err.Error()})
		}
	}
}

func isIndex(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// schemaMessage words a schema failure for a person.
func schemaMessage(e *openapi3.SchemaError) string {
	s := e.Schema
	switch e.SchemaField {
	case "minLength":
		if s.MinLength == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters", s.MinLength)
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
		}
	case "minimum":
		if s.Min != nil {
			return fmt.Sprintf("must be at least %v", *s.Min)
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("must be at most %v", *s.Max)
		}
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprintf("must have at most %d items", *s.MaxItems)
		}
	case "enum":
		vals := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		return "must be one of: " + strings.Join(vals, ", ")
	case "pattern":
		if d := strings.TrimSuffix(s.Description, "."); d != "" {
			return "has the wrong format; expected " + strings.ToLower(d[:1]) + d[1:]
		}
		return "has the wrong format"
	case "multipleOf":
		if s.MultipleOf != nil {
			if places := decimalPlaces(*s.MultipleOf); places > 0 {
				return fmt.Sprintf("must have at most %d decimal places", places)
			}
			return fmt.Sprintf("must be a multiple of %v", *s.MultipleOf)
		}
	case "uniqueItems":
		return "must not contain duplicates"
	case "minItems":
		if s.MinItems == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must have at least %d items", s.MinItems)
	case "maxProperties":
		if s.MaxProps != nil {
			return fmt.Sprintf("must have at most %d entries", *s.MaxProps)
		}
	case "minProperties":
		if s.MinProps == 1 {
			return "must not be empty"
		}
	case "format":
		return "must be a valid " + s.Format
	case "type":
		if s.Type != nil && len(*s.Type) > 0 {
			return "must be " + article((*s.Type)[0])
		}
	case "nullable":
		return "must not be null"
	}
	return e.Reason
}

// decimalPlaces is n when m is 10^-n (0.01 → 2), else 0.
func decimalPlaces(m float64) int {
	for n := 1; n <= 9; n++ {
		if math.Abs(m-math.Pow10(-n)) < 1e-12 {
			return n
		}
	}
	return 0
}

func article(typ string) string {
	switch typ {
	case "integer", "object", "array":
		return "an " + typ
	}
	return "a " + typ
}
