#!/usr/bin/env python3
"""PyTorch CPU timings of the WGAN-GP critic step for bench/wgan-gp.mjs: D2L's DCGAN critic without BatchNorm
(conv biases on), N=16 64x64 float32, Adam lr 1e-4 betas (0, 0.9). plain: loss = D(fake) - D(real) per sample, summed;
gp: plus 10*(||dD(x_hat)/dx_hat|| - 1)^2 with torch.autograd.grad(create_graph=True). argv: threads.
Prints {"torch", "threads"}, then runs the step each stdin line names and prints {"ms"} for it.
"""
import json
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
N = 16

layers = []
cin = 3
for c in [64, 128, 256, 512]:
    layers += [nn.Conv2d(cin, c, 4, 2, 1), nn.LeakyReLU(0.2)]
    cin = c
net_D = nn.Sequential(*layers, nn.Conv2d(512, 1, 4))
for p in net_D.parameters():
    nn.init.normal_(p, 0, 0.02)
trainer = torch.optim.Adam(net_D.parameters(), lr=1e-4, betas=(0, 0.9))
real = torch.rand(N, 3, 64, 64) * 2 - 1
fake = torch.rand(N, 3, 64, 64) * 2 - 1
eps = torch.rand(N, 1, 1, 1)


def plain_loss():
    return net_D(fake).reshape(N) - net_D(real).reshape(N)


def plain_step():
    trainer.zero_grad()
    plain_loss().sum().backward()
    trainer.step()


def gp_step():
    trainer.zero_grad()
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (g,) = torch.autograd.grad(net_D(x_hat).sum(), x_hat, create_graph=True)
    penalty = 10 * (g.reshape(N, -1).norm(2, dim=1) - 1) ** 2
    (plain_loss() + penalty).sum().backward()
    trainer.step()


# Served one step at a time so bench/wgan-gp.mjs can interleave PyTorch's steps with tconv's (a shared, loaded machine
# then slows both alike): each stdin line "plain" or "gp" runs that step and answers its milliseconds; "quit" ends.
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
steps = {"plain": plain_step, "gp": gp_step}
for line in sys.stdin:
    name = line.strip()
    if name == "quit":
        break
    t0 = time.perf_counter()
    steps[name]()
    print(json.dumps({"ms": (time.perf_counter() - t0) * 1000}), flush=True)
