package scenario

import (
	"net/http"
	"strings"

	"github.com/jettymethod/jetty/jetty"
)

// inventoryInputs are the inputs the Inventory's routes name.
func (x Injection) inventoryInputs() []Input {
	var out []Input
	for _, rt := range x.Inventory {
		for _, p := range rt.Params {
			loc, ok := map[string]Location{"path": InPath, "query": InQuery, "header": InHeader, "cookie": InCookie, "json": InJSON}[p.In]
			if !ok {
				continue
			}
			keep := ""
			if loc == InPath {
				keep = p.Name
			}
			m := strings.ToUpper(rt.Method)
			if m == "" {
				m = http.MethodGet
			}
			out = append(out, Input{In: loc, Name: p.Name, Method: m, Path: routeFill(rt.Pattern, nil, keep), Header: x.InventoryHeader.Clone()})
		}
	}
	return out
}

// touched returns the routes the check probes: those of Inputs, and the
// Inventory's routes that name a parameter.
func (x Injection) touched() []jetty.Route {
	var out []jetty.Route
	for _, in := range x.Inputs {
		out = append(out, jetty.Route{Method: in.method(), Pattern: pathOnly(in.path())})
	}
	for _, rt := range x.Inventory {
		if len(rt.Params) > 0 {
			out = append(out, rt)
		}
	}
	return out
}
