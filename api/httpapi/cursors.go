package httpapi

import (
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/oapi-codegen/nullable"

	"github.com/konstruct/konstruct/api/apigen"
	"github.com/konstruct/konstruct/api/config"
	"github.com/konstruct/konstruct/api/paging"
)

// cursorSigner derives the cursor keys from SESSION_KEYS (same ids, so
// rotating those rotates these), kept apart from sessions by the MAC's own
// domain separation.
func cursorSigner(keys []config.SigningKey) *paging.Signer {
	ks := make([]paging.Key, 0, len(keys))
	for _, k := range keys {
		ks = append(ks, paging.Key{ID: k.ID, Secret: k.Secret})
	}
	return paging.NewSigner(ks...)
}

// signedCursors is a strict-server middleware: on every list operation (one
// whose parameters have a Cursor and whose response has a NextCursor) it
// opens the cursor the client sent, so handlers only ever see raw cursors
// this list handed out, and signs the next_cursor it answers. A cursor is
// bound to the operation, its path parameters and every query parameter but
// the cursor and the page size.
func signedCursors(s *paging.Signer) apigen.StrictMiddlewareFunc {
	return func(next apigen.StrictHandlerFunc, operationID string) apigen.StrictHandlerFunc {
		return func(c echo.Context, request any) (any, error) {
			binding := cursorBinding(c, operationID)
			req := reflect.New(reflect.TypeOf(request)).Elem()
			req.Set(reflect.ValueOf(request))
			if cur := cursorField(req); cur.IsValid() && !cur.IsNil() && *cur.Interface().(*string) != "" {
				raw, err := s.Open(binding, *cur.Interface().(*string))
				if err != nil {
					return nil, err
				}
				cur.Set(reflect.ValueOf(&raw))
			}
			response, err := next(c, req.Interface())
			if err != nil || response == nil {
				return response, err
			}
			resp := reflect.New(reflect.TypeOf(response)).Elem()
			resp.Set(reflect.ValueOf(response))
			if nc := nextCursorField(resp); nc.IsValid() {
				if n := nc.Interface().(nullable.Nullable[string]); n.IsSpecified() && !n.IsNull() {
					nc.Set(reflect.ValueOf(nullable.NewNullableWithValue(s.Sign(binding, n.MustGet()))))
				}
				return resp.Interface(), nil
			}
			return response, nil
		}
	}
}

var (
	stringPtr        = reflect.TypeFor[*string]()
	nullableString   = reflect.TypeFor[nullable.Nullable[string]]()
	cursorParamNames = []string{"cursor", "limit"}
)

// cursorField is request.Params.Cursor (a *string), if the operation has one.
func cursorField(req reflect.Value) reflect.Value {
	if req.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	params := req.FieldByName("Params")
	if !params.IsValid() || params.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	cur := params.FieldByName("Cursor")
	if !cur.IsValid() || cur.Type() != stringPtr {
		return reflect.Value{}
	}
	return cur
}

// nextCursorField is the response's NextCursor, directly or in its Body
// (responses that declare headers wrap their body).
func nextCursorField(resp reflect.Value) reflect.Value {
	if resp.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	if f := resp.FieldByName("NextCursor"); f.IsValid() && f.Type() == nullableString {
		return f
	}
	if body := resp.FieldByName("Body"); body.IsValid() && body.Kind() == reflect.Struct {
		if f := body.FieldByName("NextCursor"); f.IsValid() && f.Type() == nullableString {
			return f
		}
	}
	return reflect.Value{}
}

// cursorBinding names the list a cursor belongs to.
func cursorBinding(c echo.Context, operationID string) string {
	var b strings.Builder
	b.WriteString(operationID)
	names := append([]string{}, c.ParamNames()...)
	sort.Strings(names)
	for _, n := range names {
		b.WriteString("\x00" + n + "=" + c.Param(n))
	}
	q := url.Values{}
	for k, v := range c.QueryParams() {
		q[k] = v
	}
	for _, n := range cursorParamNames {
		q.Del(n)
	}
	b.WriteString("\x00" + q.Encode())
	return b.String()
}
