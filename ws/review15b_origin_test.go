package ws

import "testing"

// TestReview15bOriginStarAllowsEvery: AllowedOrigins "*" allows every
// origin, as documented, also one that url.Parse cannot read (a
// non-browser client's own value): it was refused with 403 while "*" was
// meant to turn the check off. Without "*" such an origin stays refused.
func TestReview15bOriginStarAllowsEvery(t *testing.T) {
	for _, origin := range []string{"http://[::1", "http://a b.example", "http://example.com%zz"} {
		if err := CheckOrigin(origin, "example.com", []string{"*"}); err != nil {
			t.Errorf("CheckOrigin(%q, *) = %v, want nil", origin, err)
		}
		if err := CheckOrigin(origin, "example.com", []string{"*.example.com"}); err == nil {
			t.Errorf("CheckOrigin(%q, *.example.com) = nil, want 403", origin)
		}
		if err := CheckOrigin(origin, "example.com", nil); err == nil {
			t.Errorf("CheckOrigin(%q) = nil, want 403", origin)
		}
	}
}
