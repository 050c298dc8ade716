package probe

import "testing"

func TestStatuses(t *testing.T) {
	for _, tt := range []struct {
		in   []int
		want string
	}{
		{nil, ""},
		{[]int{401}, "401"},
		{[]int{401, 403}, "401 or 403"},
		{[]int{401, 403, 404}, "401, 403 or 404"},
	} {
		if got := Statuses(tt.in); got != tt.want {
			t.Errorf("Statuses(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
