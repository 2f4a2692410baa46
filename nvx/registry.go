package nvx

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
)

// ErrUnknown is returned by [Select] for a kernel or implementation that was
// never registered.
var ErrUnknown = errors.New("nvx: unknown kernel or implementation")

// ErrUnavailable is returned by [Select] for an implementation this CPU (or
// AUTOBAHN_NVX) does not allow.
var ErrUnavailable = errors.New("nvx: implementation not available")

// Impl describes one registered implementation of a kernel.
type Impl struct {
	Name string // "generic", "sse2", "avx2", "avx512", "neon"
	// CPU reports whether the processor supports it.
	CPU bool
	// Available is CPU && Allowed(Name): the kernel may use it.
	Available bool
}

type kernel struct {
	impls    []implEntry
	selected string // forced implementation, "" = automatic
	watchers []func()
	plan     func() Plan
}

// Plan is what a kernel's automatic dispatch does, as the kernel reports it.
type Plan struct {
	// Large is the implementation used for large inputs.
	Large string
	// Ranges says which implementation runs at which lengths, for people:
	// "generic <8 B, avx2 17-63 B, avx512 64-128 B, avx2 >128 B".
	Ranges string
}

// SetPlan lets kernel report its automatic choice, which may differ from
// the highest available level when a lower one measures faster. f is called
// with no nvx lock held.
func SetPlan(kernel string, f func() Plan) {
	mu.Lock()
	defer mu.Unlock()
	getKernel(kernel).plan = f
}

// AutoPlan returns kernel's automatic choice: what the kernel reported
// through SetPlan, or else the highest available level for every length.
func AutoPlan(kernel string) Plan {
	mu.Lock()
	var f func() Plan
	if k := kernels[kernel]; k != nil {
		f = k.plan
	}
	mu.Unlock()
	if f != nil {
		return f()
	}
	list := List(kernel)
	if len(list) == 0 {
		return Plan{}
	}
	best := list[len(list)-1]
	return Plan{Large: best, Ranges: best + " at every length"}
}

type implEntry struct {
	name string
	cpu  bool
}

var (
	mu      sync.Mutex
	kernels = map[string]*kernel{}
)

func getKernel(name string) *kernel {
	k := kernels[name]
	if k == nil {
		k = &kernel{}
		kernels[name] = k
	}
	return k
}

// Register records that kernel has an implementation called name, usable on
// this CPU when cpuOK is true. Kernel packages call it from init, from the
// lowest level to the highest. Registering an unknown level name or the same
// name twice panics: both are programming errors.
func Register(kernel, name string, cpuOK bool) {
	if !KnownName(name) {
		panic("nvx: Register: unknown implementation name " + name)
	}
	mu.Lock()
	defer mu.Unlock()
	k := getKernel(kernel)
	for _, e := range k.impls {
		if e.name == name {
			panic("nvx: Register: " + kernel + "/" + name + " registered twice")
		}
	}
	k.impls = append(k.impls, implEntry{name, cpuOK})
}

// Watch registers f to be called after every [Select] or [Reset] of kernel,
// so the kernel package can drop its cached choice. f runs with no nvx lock
// held.
func Watch(kernel string, f func()) {
	mu.Lock()
	defer mu.Unlock()
	k := getKernel(kernel)
	k.watchers = append(k.watchers, f)
}

// Impls returns every registered implementation of kernel, in registration
// order, with its availability.
func Impls(kernel string) []Impl {
	p := loadPolicy()
	mu.Lock()
	defer mu.Unlock()
	k := kernels[kernel]
	if k == nil {
		return nil
	}
	out := make([]Impl, 0, len(k.impls))
	for _, e := range k.impls {
		out = append(out, Impl{Name: e.name, CPU: e.cpu, Available: e.cpu && p.allows(e.name)})
	}
	return out
}

// List returns the names of the implementations of kernel that may run here,
// lowest level first. Tests iterate over it to check every implementation.
func List(kernel string) []string {
	var out []string
	for _, im := range Impls(kernel) {
		if im.Available {
			out = append(out, im.Name)
		}
	}
	return out
}

// Kernels returns the names of all registered kernels, sorted.
func Kernels() []string {
	mu.Lock()
	defer mu.Unlock()
	out := make([]string, 0, len(kernels))
	for name, k := range kernels {
		if len(k.impls) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Select forces kernel to use implementation name for every input size, until
// [Reset]. It is meant for tests and benchmarks.
func Select(kernel, name string) error {
	impls := Impls(kernel)
	i := slices.IndexFunc(impls, func(im Impl) bool { return im.Name == name })
	if i < 0 {
		return fmt.Errorf("%w: %s/%s", ErrUnknown, kernel, name)
	}
	if !impls[i].Available {
		return fmt.Errorf("%w: %s/%s", ErrUnavailable, kernel, name)
	}
	setSelected(kernel, name)
	return nil
}

// Reset returns kernel to the automatic choice.
func Reset(kernel string) { setSelected(kernel, "") }

func setSelected(kernel, name string) {
	mu.Lock()
	k := getKernel(kernel)
	k.selected = name
	watchers := slices.Clone(k.watchers)
	mu.Unlock()
	for _, f := range watchers {
		f()
	}
}

// Selected returns the implementation forced by [Select], or "" when kernel
// chooses automatically.
func Selected(kernel string) string {
	mu.Lock()
	defer mu.Unlock()
	if k := kernels[kernel]; k != nil {
		return k.selected
	}
	return ""
}

// Best returns the implementation kernel uses for large inputs: the forced
// one, or else the automatic choice (see AutoPlan).
func Best(kernel string) string {
	if s := Selected(kernel); s != "" {
		return s
	}
	return AutoPlan(kernel).Large
}
