package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/unbind/unbind/controller/registry"
)

// Selection is a parsed device filter: the one definition of the terms that
// release --filter and export --filter take (bound, safe, unknown, online,
// offline, manufacturer=NAME, model=NAME, comma-separated, combined with
// AND; names match the whole value in any case).
type Selection struct {
	filter registry.Filter
	match  []func(registry.Device) bool
}

// ParseSelection reads filter terms; "" selects every device.
func ParseSelection(terms string) (Selection, error) {
	var s Selection
	if terms == "" {
		return s, nil
	}
	for _, term := range strings.Split(terms, ",") {
		key, value, hasValue := strings.Cut(strings.TrimSpace(term), "=")
		switch {
		case key == "bound" && !hasValue:
			s.filter.Bound = true
		case key == "safe" && !hasValue:
			s.filter.Safe = true
		case key == "unknown" && !hasValue:
			s.filter.Unknown = true
		case key == "online" && !hasValue:
			s.filter.Online = true
		case key == "offline" && !hasValue:
			s.filter.Offline = true
		case key == "manufacturer" && hasValue:
			s.match = append(s.match, func(d registry.Device) bool { return strings.EqualFold(d.Identity.Manufacturer, value) })
		case key == "model" && hasValue:
			s.match = append(s.match, func(d registry.Device) bool { return strings.EqualFold(d.Identity.Model, value) })
		default:
			return s, fmt.Errorf("filter term %q: want bound, safe, unknown, online, offline, manufacturer=NAME or model=NAME", term)
		}
	}
	return s, nil
}

// Devices lists the registry's devices the selection matches, by ID.
func (s Selection) Devices(ctx context.Context, reg *registry.Store) ([]registry.Device, error) {
	devices, err := reg.Devices(ctx, s.filter)
	if err != nil {
		return nil, err
	}
	kept := devices[:0]
next:
	for _, d := range devices {
		for _, m := range s.match {
			if !m(d) {
				continue next
			}
		}
		kept = append(kept, d)
	}
	return kept, nil
}
