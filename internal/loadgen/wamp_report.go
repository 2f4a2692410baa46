package loadgen

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteText writes a table per phase and the call latency distribution.
func (res *WAMPResult) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ser := res.Serializer
	if ser == "" {
		ser = "negotiated"
	}
	fmt.Fprintf(tw, "router\t%s realm %s (%s), payload %d bytes\n", res.URL, res.Realm, ser, res.Size)
	if r := res.RPC; r != nil {
		fmt.Fprintf(tw, "rpc load\t%d callers × %d in flight, 1 callee\n", res.Callers, res.InFlight)
		fmt.Fprintf(tw, "calls\t%d = %d answered + %d errors in %.2f s\n", r.Calls, r.Answered, r.Errors, r.DurationSeconds)
		if r.FirstError != "" {
			fmt.Fprintf(tw, "first error\t%s\n", r.FirstError)
		}
		if r.CallersLost > 0 {
			fmt.Fprintf(tw, "callers lost\t%d of %d (%s)\n", r.CallersLost, res.Callers, r.CallerError)
		}
		fmt.Fprintf(tw, "calls/s\t%.0f\n", r.CallsPerSecond)
		l := r.Latency
		fmt.Fprintf(tw, "call latency\tp50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n", round(l.P50), round(l.P90), round(l.P99), round(l.P999), round(l.Max))
		writeServerUse(tw, r.Server, "calls")
	}
	if p := res.PubSub; p != nil {
		fmt.Fprintf(tw, "pubsub load\t1 publisher → %d subscribers\n", res.Subscribers)
		fmt.Fprintf(tw, "events\t%d published (%d publish errors) × %d = %d expected = %d received + %d drops (%d duplicates) in %.2f s\n",
			p.Published, p.PublishErrors, res.Subscribers, p.Expected, p.Received, p.Drops, p.Duplicates, p.DurationSeconds)
		if p.SubscribersLost > 0 {
			fmt.Fprintf(tw, "subscribers lost\t%d (%s)\n", p.SubscribersLost, p.SubscriberError)
		}
		fmt.Fprintf(tw, "events/s\t%.0f delivered in the measured time (%.0f published)\n", p.EventsPerSecond, float64(p.Published)/max(p.DurationSeconds, 1e-9))
		l := p.Latency
		fmt.Fprintf(tw, "event latency\tp50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n", round(l.P50), round(l.P90), round(l.P99), round(l.P999), round(l.Max))
		writeServerUse(tw, p.Server, "events")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if res.RPC != nil {
		return writeLadder(w, res.RPC.Latency)
	}
	return nil
}

func writeServerUse(w io.Writer, s *ServerUse, what string) {
	if s == nil {
		return
	}
	fmt.Fprintf(w, "router CPU\t%.2f s (%.0f %% of a core), %.0f %s per CPU second\n", s.CPUSeconds, s.CPUPercent, s.MsgPerCPUSecond, what)
	fmt.Fprintf(w, "router RSS\t%.1f MiB -> %.1f MiB\n", float64(s.RSSBefore)/(1<<20), float64(s.RSSAfter)/(1<<20))
}
