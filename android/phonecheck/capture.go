package phonecheck

import (
	"cmp"
	"context"
	"fmt"

	"github.com/unbind/unbind/android"
	"github.com/unbind/unbind/android/capture"
)

// FromCapture is a source that answers from the captures in dir: one phone,
// or every phone of a capture run (all is then true, as with --adb all).
func FromCapture(dir string) (src *Source, all bool, err error) {
	names, replays, err := capture.OpenAll(dir)
	if err != nil {
		return nil, false, err
	}
	devs := make([]android.ADBDevice, len(names))
	for i, n := range names {
		devs[i] = android.ADBDevice{Serial: n, State: "device"}
	}
	return &Source{
		Transport: func(serial string) android.Transport { return replays[cmp.Or(serial, names[0])] },
		List:      func(context.Context) ([]android.ADBDevice, error) { return devs, nil },
	}, len(names) > 1, nil
}

// Ready lists the serials of the phones src lists that adb can use.
func (s *Source) Ready(ctx context.Context) ([]string, error) {
	devs, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var serials []string
	for _, d := range devs {
		if d.Ready() {
			serials = append(serials, d.Serial)
		}
	}
	return serials, nil
}

// Capture records each phone in serials ("" is this phone) with the
// commands a check runs and writes each capture in its own directory under
// dir, telling written each directory. The phones share one pseudonym
// table, so that each serial gets its own pseudonym.
func Capture(ctx context.Context, src *Source, serials []string, opts capture.Options, dir string, written func(string)) error {
	opts.Pseudonyms = cmp.Or(opts.Pseudonyms, capture.NewPseudonyms())
	for _, serial := range serials {
		o := opts
		o.Serial, o.Transport = serial, "local"
		if serial != "" {
			o.Transport = "adb"
		}
		res, err := capture.Phone(ctx, src.Transport(serial), o)
		if err != nil {
			return fmt.Errorf("capture %s: %w", Describe(serial), err)
		}
		d, err := res.Write(dir)
		if err != nil {
			return err
		}
		written(d)
	}
	return nil
}
