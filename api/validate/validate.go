// Package validate checks domain inputs with go-playground/validator and turns
// failures into 422 errors that name each field the way the API spells it
// (body.fallback_models[1]) with a sentence a person understands.
package validate

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/validator/v10"

	"github.com/konstruct/konstruct/api/errs"
)

var v = newValidator()

// ModelPattern is the shape of a model id: provider/model.
var ModelPattern = regexp.MustCompile(`^(openai|anthropic|custom)/[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$`)

func newValidator() *validator.Validate {
	val := validator.New(validator.WithRequiredStructEnabled())
	val.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		if name == "" {
			return f.Name
		}
		return name
	})
	_ = val.RegisterValidation("model", func(fl validator.FieldLevel) bool {
		return ModelPattern.MatchString(fl.Field().String())
	})
	_ = val.RegisterValidation("printable", func(fl validator.FieldLevel) bool {
		return !strings.ContainsFunc(fl.Field().String(), func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' })
	})
	return val
}

// Register adds a custom validation tag (domains register theirs at init).
func Register(tag string, fn validator.Func, message string) {
	if err := v.RegisterValidation(tag, fn); err != nil {
		panic(err)
	}
	messages[tag] = func(validator.FieldError) string { return message }
}

// Struct validates s. Field locations are prefixed with prefix ("body").
func Struct(s any, prefix string) error {
	err := v.Struct(s)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	fields := make([]errs.FieldError, 0, len(verrs))
	for _, fe := range verrs {
		fields = append(fields, errs.FieldError{Location: location(prefix, fe.Namespace()), Message: message(fe)})
	}
	return errs.Fields(fields...)
}

// location turns "AgentInput.fallback_models[1]" into "body.fallback_models[1]".
func location(prefix, namespace string) string {
	_, rest, found := strings.Cut(namespace, ".")
	if !found {
		rest = namespace
	}
	if prefix == "" {
		return rest
	}
	return prefix + "." + rest
}

var messages = map[string]func(validator.FieldError) string{
	"required": func(validator.FieldError) string { return "is required" },
	"email":    func(validator.FieldError) string { return "must be a valid email address" },
	"oneof": func(fe validator.FieldError) string {
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	},
	"model": func(validator.FieldError) string {
		return "must be provider/model where provider is openai, anthropic or custom (e.g. openai/gpt-4o-mini)"
	},
	"printable": func(validator.FieldError) string { return "must not contain control characters" },
	"url":       func(validator.FieldError) string { return "must be an absolute URL" },
	"unique":    func(validator.FieldError) string { return "must not contain duplicates" },
	"gt":        func(fe validator.FieldError) string { return "must be greater than " + fe.Param() },
	"gte":       func(fe validator.FieldError) string { return "must be at least " + fe.Param() },
	"lte":       func(fe validator.FieldError) string { return "must be at most " + fe.Param() },
}

func message(fe validator.FieldError) string {
	if m, ok := messages[fe.Tag()]; ok {
		return m(fe)
	}
	switch fe.Tag() {
	case "min", "max", "len":
		word := map[string]string{"min": "at least", "max": "at most", "len": "exactly"}[fe.Tag()]
		switch fe.Kind() {
		case reflect.String:
			return fmt.Sprintf("must be %s %s characters", word, fe.Param())
		case reflect.Slice, reflect.Map, reflect.Array:
			return fmt.Sprintf("must have %s %s items", word, fe.Param())
		default:
			return fmt.Sprintf("must be %s %s", word, fe.Param())
		}
	}
	return fmt.Sprintf("fails the %q rule", fe.Tag())
}
