package controller

import "context"

// Tick asks the controller's time-driven passes to run at once against Now:
// the release loop decides every running release, as its sweep does (those
// time alone moves: a deadline passed, a busy phone's pause over; and the
// rest), and the dispatcher expires, delivers and redelivers commands. Done is closed when both passes have finished. Tests move their
// clock (Config.Now) on and tick, instead of waiting out real deadlines or a
// loop's wall-clock period (controllertest.Clock).
type Tick struct {
	Done chan struct{}
}

// passRequest asks one loop for its time-driven pass; the loop closes done
// when the pass is over.
type passRequest struct {
	done chan struct{}
}

// forwardTicks hands every tick of ticks to each loop in turn and closes its
// Done once all of them ran their pass, until ctx ends.
func forwardTicks(ctx context.Context, ticks <-chan Tick, loops ...chan<- passRequest) {
	for {
		var tick Tick
		select {
		case <-ctx.Done():
			return
		case tick = <-ticks:
		}
		for _, loop := range loops {
			req := passRequest{done: make(chan struct{})}
			select {
			case <-ctx.Done():
				return
			case loop <- req:
			}
			select {
			case <-ctx.Done():
				return
			case <-req.done:
			}
		}
		close(tick.Done)
	}
}
