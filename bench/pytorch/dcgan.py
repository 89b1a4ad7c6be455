#!/usr/bin/env python3
"""PyTorch CPU timings of D2L's DCGAN (section 20.2) for bench/run.mjs: generator forward (N=16, eval mode, no grad)
and one training step (update_D then update_G as D2L writes them: BCE-with-logits summed, Adam lr 0.005 betas
(0.5, 0.999)), at the thread count given (argv: threads, target seconds per measurement, minimum repetitions). Prints one JSON line: {"torch": version, "threads": n, "forward_ms": [...],
"train_ms": [...]} with every repetition's time. Run with Debian's python3-torch: /usr/bin/python3 bench/pytorch/dcgan.py 1
"""
import json
import sys
import time

import torch
from torch import nn

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
target_s = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
min_reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
torch.set_num_threads(threads)
torch.manual_seed(0)
N = 16


def g_block(cin, cout, stride, padding):
    return [nn.ConvTranspose2d(cin, cout, 4, stride, padding, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def d_block(cin, cout):
    return [nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2)]


net_G = nn.Sequential(*g_block(100, 512, 1, 0), *g_block(512, 256, 2, 1), *g_block(256, 128, 2, 1),
                      *g_block(128, 64, 2, 1), nn.ConvTranspose2d(64, 3, 4, 2, 1, bias=False), nn.Tanh())
net_D = nn.Sequential(*d_block(3, 64), *d_block(64, 128), *d_block(128, 256), *d_block(256, 512),
                      nn.Conv2d(512, 1, 4, bias=False))
loss = nn.BCEWithLogitsLoss(reduction="sum")
trainer_D = torch.optim.Adam(net_D.parameters(), lr=0.005, betas=(0.5, 0.999))
trainer_G = torch.optim.Adam(net_G.parameters(), lr=0.005, betas=(0.5, 0.999))
Z = torch.normal(0, 1, size=(N, 100, 1, 1))
X = torch.rand(N, 3, 64, 64) * 2 - 1
ones, zeros = torch.ones((N,)), torch.zeros((N,))


def train_step():
    trainer_D.zero_grad()
    real_Y = net_D(X)
    fake_X = net_G(Z)
    fake_Y = net_D(fake_X.detach())
    loss_D = (loss(real_Y, ones.reshape(real_Y.shape)) + loss(fake_Y, zeros.reshape(fake_Y.shape))) / 2
    loss_D.backward()
    trainer_D.step()
    trainer_G.zero_grad()
    fake_Y = net_D(net_G(Z))
    loss_G = loss(fake_Y, ones.reshape(fake_Y.shape))
    loss_G.backward()
    trainer_G.step()


def forward():
    net_G.eval()
    with torch.no_grad():
        net_G(Z)
    net_G.train()


def measure(fn):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < target_s and len(times) < 50):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "forward_ms": measure(forward), "train_ms": measure(train_step)}))
