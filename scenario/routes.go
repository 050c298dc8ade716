package scenario

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/jettymethod/jetty/jetty"
)

// OpenAPIRoutes reads the route inventory from an OpenAPI 3 document (JSON
// or YAML), parsed and validated by github.com/getkin/kin-openapi: one
// route per operation, in path then method order, each with the
// parameters the document names (path, query, header, cookie, and the
// top-level properties of an application/json request body, $refs
// resolved). A route is public when its operation's security is empty
// ("security: []"), or one of its requirements is the empty object (auth
// optional); otherwise it is protected, so scenario.AuthRequired probes
// it. Errors name what is wrong with the document.
func OpenAPIRoutes(doc []byte) (jetty.Routes, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("scenario: OpenAPI document: %w", err)
	}
	if err := t.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("scenario: OpenAPI document is not valid: %w", err)
	}
	var out jetty.Routes
	if t.Paths == nil {
		return out, nil
	}
	paths := t.Paths.Map()
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for k := range paths {
			if !yield(k) {
				return
			}
		}
	}) {
		item := paths[p]
		ops := item.Operations()
		for _, m := range slices.Sorted(func(yield func(string) bool) {
			for k := range ops {
				if !yield(k) {
					return
				}
			}
		}) {
			op := ops[m]
			r := jetty.Route{Method: strings.ToUpper(m), Pattern: p, Public: openAPIPublic(t, op)}
			r.Params = openAPIParams(item.Parameters, op)
			out = append(out, r)
		}
	}
	return out, nil
}

func openAPIPublic(t *openapi3.T, op *openapi3.Operation) bool {
	reqs := t.Security
	if op.Security != nil {
		reqs = *op.Security
	} else if reqs == nil {
		return false // no security declared anywhere: not declared public
	}
	if len(reqs) == 0 {
		return true
	}
	return slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
}

func openAPIParams(shared openapi3.Parameters, op *openapi3.Operation) []jetty.RouteParam {
	var out []jetty.RouteParam
	add := func(name, in string) {
		p := jetty.RouteParam{Name: name, In: in}
		if name != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, ps := range []openapi3.Parameters{shared, op.Parameters} {
		for _, ref := range ps {
			if ref != nil && ref.Value != nil {
				add(ref.Value.Name, ref.Value.In)
			}
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			props := mt.Schema.Value.Properties
			for _, name := range slices.Sorted(func(yield func(string) bool) {
				for k := range props {
					if !yield(k) {
						return
					}
				}
			}) {
				add(name, "json")
			}
		}
	}
	return out
}

// routeFill fills the {name} placeholders of pattern with values[name]
// (default "1"), leaving the placeholder keep as it is ({keep}).
func routeFill(pattern string, values map[string]string, keep string) string {
	segs := strings.Split(pattern, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, "{") || !strings.HasSuffix(seg, "}") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimSuffix(seg[1:len(seg)-1], "..."), "$")
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j]
		}
		if name == keep {
			segs[i] = "{" + name + "}"
			continue
		}
		v, ok := values[name]
		if !ok {
			v = "1"
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}
