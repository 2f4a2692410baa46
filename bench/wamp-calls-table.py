#!/usr/bin/env python3
"""Markdown table of bench/run-wamp-calls.sh output, as in BENCHMARKS.md.

Usage: bench/run-wamp-calls.sh 20000 5 16 | tee calls.txt; bench/wamp-calls-table.py calls.txt
Medians per cell and client; "paired" is the median over rounds of each
round's ours / nexus calls/s (rounds are matched in the order they ran).
"""
import sys, re, statistics as st, math
rows={}
for line in open(sys.argv[1]):
    if not line.startswith('BenchmarkCalls'): continue
    f=line.split()
    name=f[0]; m=dict(re.findall(r'(\w+)=([\w-]+)', name))
    vals={}
    for i in range(2,len(f)-1,2): vals[f[i+1]]=float(f[i])
    key=(m['setup'],m['tr'],m['ser'])
    rows.setdefault(key,{}).setdefault(m['client'],[]).append(vals)
def med(l,k): return st.median(v[k] for v in l)
print('| setup | transport | ser | ours calls/s | nexus calls/s | ours ÷ nexus | paired | ours-loop calls/s | client µs/call ours / nexus | reads/call ours / nexus | writes/call ours / nexus | router µs/call ours / nexus |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|')
g={}
for key in sorted(rows, key=lambda k:(k[0]!='client-bound',k[1],['json','msgpack','cbor'].index(k[2]))):
    r=rows[key]; o=r['ours']; n=r['nexus']; l=r.get('ours-loop')
    ratio=med(o,'calls/s')/med(n,'calls/s')
    paired=st.median(a['calls/s']/b['calls/s'] for a,b in zip(o,n))
    g.setdefault(key[0],[]).append(ratio)
    lp='%.1fk'%(med(l,'calls/s')/1000) if l else '–'
    print('| %s | %s | %s | %.1fk | %.1fk | %.2f× | %.2f× | %s | %.1f / %.1f | %.2f / %.2f | %.2f / %.2f | %.0f / %.0f |'%(key[0],key[1],key[2],med(o,'calls/s')/1000,med(n,'calls/s')/1000,ratio,paired,lp,med(o,'client-µs/call'),med(n,'client-µs/call'),med(o,'client-reads/call'),med(n,'client-reads/call'),med(o,'client-writes/call'),med(n,'client-writes/call'),med(o,'router-µs/call'),med(n,'router-µs/call')))
for k,v in g.items():
    print('\n%s: geomean %.2f×, range %.2f–%.2f×'%(k, math.exp(sum(map(math.log,v))/len(v)), min(v), max(v)))
