package client

import (
	"context"

	"github.com/autobahn-go/autobahn/wamp"
)

// Func0, Func1, Func2 and Func3 turn a plain Go function into a Handler, so
// that registering it takes one line:
//
//	s.Register(ctx, "com.example.add2", client.Func2(func(ctx context.Context, x, y int) (int, error) {
//		return x + y, nil
//	}), nil)
//
// The wrapper decodes the first positional arguments into the parameter
// types with Decode (the types DecodeArgs lists; no reflection), answering
// a call whose arguments are missing or do not convert with ERROR
// wamp.error.invalid_argument and the reason as its first argument. The
// function's result is sent as the one positional result; its error as
// Handler describes (an *Error as is, any other as
// wamp.error.runtime_error). For keyword arguments, progressive results or
// the caller's identity, write a Handler. ctx is the Handler's ctx.
func Func0[R any](f func(ctx context.Context) (R, error)) Handler {
	return func(ctx context.Context, _ *Invocation) (*Result, error) {
		return result(f(ctx))
	}
}

// Func1 is Func0 for a function of one argument.
func Func1[A, R any](f func(ctx context.Context, a A) (R, error)) Handler {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		var a A
		if err := decodeInvocation(inv.Args, &a); err != nil {
			return nil, err
		}
		return result(f(ctx, a))
	}
}

// Func2 is Func0 for a function of two arguments.
func Func2[A, B, R any](f func(ctx context.Context, a A, b B) (R, error)) Handler {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		var a A
		var b B
		if err := decodeInvocation(inv.Args, &a, &b); err != nil {
			return nil, err
		}
		return result(f(ctx, a, b))
	}
}

// Func3 is Func0 for a function of three arguments.
func Func3[A, B, C, R any](f func(ctx context.Context, a A, b B, c C) (R, error)) Handler {
	return func(ctx context.Context, inv *Invocation) (*Result, error) {
		var a A
		var b B
		var c C
		if err := decodeInvocation(inv.Args, &a, &b, &c); err != nil {
			return nil, err
		}
		return result(f(ctx, a, b, c))
	}
}

// decodeInvocation is DecodeArgs with its failure as the WAMP error a
// caller should get.
func decodeInvocation(args wamp.List, dst ...any) error {
	if err := DecodeArgs(args, dst...); err != nil {
		return &Error{URI: wamp.ErrInvalidArgument, Args: wamp.List{err.Error()}}
	}
	return nil
}

func result[R any](r R, err error) (*Result, error) {
	if err != nil {
		return nil, err
	}
	return &Result{Args: wamp.List{r}}, nil
}
