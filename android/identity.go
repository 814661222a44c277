package android

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/unbind/unbind/protocol"
)

// Properties read for the identity, in the order they are read one by one
// when the full listing is unusable.
const (
	propSerial       = "ro.serialno"
	propManufacturer = "ro.product.manufacturer"
	propBrand        = "ro.product.brand"
	propModel        = "ro.product.model"
	propRelease      = "ro.build.version.release"
	propSDK          = "ro.build.version.sdk"
	propMIUI         = "ro.miui.ui.version.name"
	propHyperOS      = "ro.mi.os.version.name"
	propCPUABI       = "ro.product.cpu.abi"
	propFRP          = "ro.frp.pst"
)

var identityProps = []string{
	propSerial, propManufacturer, propBrand, propModel, propRelease, propSDK,
	propMIUI, propHyperOS, propCPUABI, propFRP,
}

// Props is what getprop says about a phone: the identity reported upstream
// and the facts only a host needs.
type Props struct {
	protocol.Identity
	// CPUABI picks the agent binary to push, e.g. "arm64-v8a".
	CPUABI string `json:"cpu_abi,omitempty"`
	// FRPPartition is the block device holding the FRP data, empty when
	// the phone has none.
	FRPPartition string `json:"frp_partition,omitempty"`
	// all holds every property read, for the probes that read one; nil
	// when only the identity properties could be read one by one.
	all map[string]string
}

// Property returns a property as read with the identity, and whether the
// full listing was read (an absent property then is really absent).
func (p Props) Property(key string) (value string, listed bool) {
	return p.all[key], p.all != nil
}

// PropsFrom picks the identity out of a getprop listing.
func PropsFrom(props map[string]string) Props {
	p := Props{
		Identity: protocol.Identity{
			Serial:         props[propSerial],
			Manufacturer:   props[propManufacturer],
			Brand:          props[propBrand],
			Model:          props[propModel],
			AndroidVersion: props[propRelease],
		},
		CPUABI:       props[propCPUABI],
		FRPPartition: props[propFRP],
	}
	if sdk, err := strconv.Atoi(props[propSDK]); err == nil && sdk > 0 {
		p.SDK = sdk
	}
	switch {
	case props[propHyperOS] != "":
		// HyperOS phones keep a MIUI version property too; HyperOS wins.
		p.VendorOS = "HyperOS " + props[propHyperOS]
	case props[propMIUI] != "":
		p.VendorOS = "MIUI " + props[propMIUI]
	}
	return p
}

// IsXiaomi reports whether the phone is a Xiaomi (or Redmi, POCO) or runs
// Xiaomi's Android skin, i.e. whether Xiaomi's Find Device and lost mode can
// exist on it.
func (p Props) IsXiaomi() bool {
	for _, s := range []string{p.Manufacturer, p.Brand} {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "xiaomi", "redmi", "poco":
			return true
		}
	}
	return strings.HasPrefix(p.VendorOS, "MIUI ") || strings.HasPrefix(p.VendorOS, "HyperOS ")
}

// Known reports whether the phone said who made it. Checks that apply only
// to some makers cannot be skipped for a phone that did not.
func (p Props) Known() bool {
	return p.Manufacturer != "" || p.Brand != ""
}

// Identify reads the phone's properties with one `getprop` listing, and
// property by property only when the listing is unusable. An error means
// nothing could be read.
func (d *Device) Identify(ctx context.Context) (Props, error) {
	res, err := d.run(ctx, "getprop")
	if err != nil {
		return Props{}, fmt.Errorf("read properties: %w", err)
	}
	props, perr := ParseGetprop(res.Stdout)
	if perr = explain(res, perr); perr == nil {
		p := PropsFrom(props)
		p.all = props
		return p, nil
	}
	d.log.Info("getprop listing unusable; reading properties one by one",
		logKeyCheck, "getprop", logKeyReason, Reason(perr))
	props = map[string]string{}
	var lastErr error
	for _, key := range identityProps {
		res, err := d.run(ctx, "getprop", key)
		if err != nil {
			if ctx.Err() != nil || commandFailed(err) {
				return Props{}, fmt.Errorf("read property %s: %w", key, err)
			}
			lastErr = err
			continue
		}
		v, err := ParseGetpropValue(res.Stdout)
		if err = explain(res, err); err != nil {
			lastErr = err
			continue
		}
		props[key] = v
	}
	if len(props) == 0 {
		return Props{}, fmt.Errorf("read properties: %w", lastErr)
	}
	return PropsFrom(props), nil
}
