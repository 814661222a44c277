package release

import (
	"errors"
	"fmt"
	"time"

	"github.com/unbind/unbind/protocol"
)

// ErrNotSafe is returned for a factory reset of a phone whose latest report
// is not a fresh, verified "safe".
var ErrNotSafe = errors.New("not verified safe to reset")

// ResetAllowed is the controller's half of the reset interlock, the one rule
// every factory reset passes, whoever asks for it: the phone's latest report
// (received at reportAt) must be safe, with no risk at all, and no older than
// maxAge at now by the controller's clock. The agent checks again on the
// phone, by its own rule.
func ResetAllowed(rep *protocol.Report, reportAt, now time.Time, maxAge time.Duration) error {
	switch {
	case rep == nil:
		return fmt.Errorf("%w: no report", ErrNotSafe)
	case !rep.SafeToReset || len(rep.Risks) > 0 || rep.Verdict() != protocol.VerdictSafe:
		return fmt.Errorf("%w: latest report is %s", ErrNotSafe, rep.Verdict())
	case now.Sub(reportAt) > maxAge:
		return fmt.Errorf("%w: latest report is %s old", ErrNotSafe, now.Sub(reportAt).Round(time.Second))
	}
	return nil
}
