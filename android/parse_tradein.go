package android

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// TradeInStatus is what `tradeinmode getstatus` prints on Android 16 and
// later: a factory-reset phone before its setup answers it even though the
// rest of the shell is closed. Only the fields Unbind reads are kept.
type TradeInStatus struct {
	// FRPLocked is locks.factory_reset_protection: the phone waits for a
	// previous owner's Google account.
	FRPLocked    bool     `json:"frp_locked"`
	Serial       string   `json:"serial,omitempty"`
	IMEIs        []string `json:"imeis,omitempty"`
	Manufacturer string   `json:"manufacturer,omitempty"`
	Brand        string   `json:"brand,omitempty"`
	Model        string   `json:"model,omitempty"`
	// LaunchLevel is the API level the phone shipped with.
	LaunchLevel int `json:"launch_level,omitempty"`
}

// tradeInJSON is the command's output as source.android.com documents it.
type tradeInJSON struct {
	LaunchLevel int `json:"launch_level"`
	Locks       *struct {
		FRP *bool `json:"factory_reset_protection"`
	} `json:"locks"`
	Product struct {
		Brand        string `json:"brand"`
		Manufacturer string `json:"manufacturer"`
		Model        string `json:"model"`
	} `json:"product"`
	IMEIs  []string `json:"imeis"`
	Serial string   `json:"serial"`
}

// ParseTradeInStatus reads `tradeinmode getstatus`. The FRP lock must be
// there as a boolean: without it the status says nothing about the lock
// and is not an answer.
func ParseTradeInStatus(out []byte) (TradeInStatus, error) {
	if blank(out) {
		return TradeInStatus{}, ErrEmptyOutput
	}
	if err := denial(out); err != nil {
		return TradeInStatus{}, err
	}
	if bytes.Contains(out, []byte("inaccessible or not found")) {
		return TradeInStatus{}, ErrCommandNotFound
	}
	var j tradeInJSON
	if err := json.Unmarshal(bytes.TrimSpace(out), &j); err != nil {
		return TradeInStatus{}, fmt.Errorf("tradeinmode getstatus: %w", truncatedOr(isCutJSON(err), ErrUnrecognized))
	}
	if j.Locks == nil || j.Locks.FRP == nil {
		return TradeInStatus{}, fmt.Errorf("tradeinmode getstatus: no locks.factory_reset_protection: %w", ErrUnrecognized)
	}
	return TradeInStatus{
		FRPLocked: *j.Locks.FRP, Serial: j.Serial, IMEIs: j.IMEIs, LaunchLevel: j.LaunchLevel,
		Manufacturer: j.Product.Manufacturer, Brand: j.Product.Brand, Model: j.Product.Model,
	}, nil
}

// isCutJSON reports whether a JSON error is the input ending too soon.
func isCutJSON(err error) bool {
	return strings.Contains(err.Error(), "unexpected end of JSON input")
}
