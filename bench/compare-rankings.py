#!/usr/bin/env python3
# Compare the rankings of two `autobahn bench compare --json` results: for every cell, the
# server pairs whose medians of msg per server-CPU-second differ by more than 10 % in either run,
# and those whose order changed. Usage: bench/compare-rankings.py [--by normalized] A.json B.json
# --by normalized compares normalized_msg_per_cpu_s (the median of per-round ratios to the round's
# geometric mean, which `bench compare` ranks by) instead of the medians of absolute values.
import json,sys,itertools
args=sys.argv[1:]
by="median"
if args[:1]==["--by"]:
    by,args=args[1],args[2:]
def load(p):
    d=json.load(open(p))
    out={}
    for s in d["servers"]:
        for cell,m in s["medians"].items():
            v=m.get("msg_per_cpu_s") if by=="median" else (s.get("normalized_msg_per_cpu_s") or {}).get(cell)
            if v is None:
                continue # no figure (every round of the cell failed)
            out.setdefault(cell,{})[s["name"]]=v
    return out
a,b=load(args[0]),load(args[1])
print("by", by)
bad=0; total=0
for cell in a:
    print(cell)
    bc=b.get(cell,{})
    for n in sorted(a[cell],key=lambda n:-a[cell][n]):
        print("  %-18s %8.0f %8s" % (n,a[cell][n],"%.0f"%bc[n] if n in bc else "-"))
    # Pairs of servers with a figure in both runs.
    both=[n for n in a[cell] if n in bc]
    for x,y in itertools.combinations(both,2):
        ax,ay,bx,by_=a[cell][x],a[cell][y],bc[x],bc[y]
        # a pair counts if the medians differ by more than 10% in either run
        differ=lambda p,q: max(p,q)/max(min(p,q),1e-9)>1.10
        if differ(ax,ay) or differ(bx,by_):
            total+=1
            if (ax>ay)!=(bx>by_):
                bad+=1; print("  ORDER CHANGED: %s vs %s: run1 %.0f/%.0f run2 %.0f/%.0f"%(x,y,ax,ay,bx,by_))
print("pairs >10%% apart: %d, order changed: %d"%(total,bad))
