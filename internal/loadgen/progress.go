package loadgen

import (
	"sync"
	"sync/atomic"
	"time"
)

// progressor calls Run.Progress every ProgressEvery while a run runs.
type progressor struct {
	r     *Run
	g     *gen
	phase atomic.Pointer[string]
	quit  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	last  int64 // answers at the last report
	lastT time.Time
}

func newProgressor(r *Run, g *gen) *progressor {
	p := &progressor{r: r, g: g, quit: make(chan struct{}), lastT: time.Now()}
	p.setPhase("connect")
	if r.Progress == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(r.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.report()
			case <-p.quit:
				return
			}
		}
	}()
	return p
}

func (p *progressor) setPhase(s string) { p.phase.Store(&s) }

// report calls Progress with the state now (from one goroutine at a time).
func (p *progressor) report() {
	g := p.g
	now := time.Now()
	a := g.answers.Load()
	s := g.hist.Snapshot()
	p.r.Progress(Progress{
		Phase:   *p.phase.Load(),
		Elapsed: now.Sub(g.epoch),
		Conns:   g.open.n.Load(),
		MsgRate: float64(a-p.last) / max(now.Sub(p.lastT).Seconds(), 1e-9),
		P50:     s.Quantile(0.5),
		P99:     s.Quantile(0.99),
		Errors:  g.errs.Load() + g.unexpectedCloses.Load(),
	})
	p.last, p.lastT = a, now
}

// stop ends the reports; the first call reports once more.
func (p *progressor) stop() {
	p.once.Do(func() {
		close(p.quit)
		p.wg.Wait()
		if p.r.Progress != nil {
			p.setPhase("done")
			p.report()
		}
	})
}
