# Trains a small PyTorch segmenter on `blendwarp synth synthesize --export DIR` (docs/voxelmorph.md).
#   python3 docs/examples/train_on_export.py DIR [STEPS]
import csv, json, os, sys
import nibabel as nib, numpy as np, torch, torch.nn as nn, torch.nn.functional as F

d, steps = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
meta = json.load(open(os.path.join(d, 'index.json')))
rows = list(csv.DictReader(open(os.path.join(d, 'index.csv'))))
load = lambda f: np.squeeze(np.asarray(nib.load(os.path.join(d, f)).dataobj))  # (i, j[, k])
X = torch.tensor(np.stack([load(r['image']) for r in rows]), dtype=torch.float32)[:, None]
Y = torch.tensor(np.stack([load(r['label']) for r in rows]).astype(np.int64))
Conv = nn.Conv3d if X.dim() == 5 else nn.Conv2d
block = lambda i, o: nn.Sequential(Conv(i, o, 3, padding=1), nn.LeakyReLU(0.2))
net = nn.Sequential(block(1, 16), block(16, 32), block(32, 32), Conv(32, meta['classes'], 1))
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
for step in range(steps):
    b = torch.randint(0, len(rows), (4,))
    loss = F.cross_entropy(net(X[b]), Y[b])
    opt.zero_grad(); loss.backward(); opt.step()
    if step % 50 == 0 or step == steps - 1:
        print(f'step {step}: cross-entropy {loss.item():.4f}')
with torch.no_grad():
    pred = net(X).argmax(1)
present = [k for k in range(1, meta['classes']) if (Y == k).any()]
dice = [(2 * ((pred == k) & (Y == k)).sum() / ((pred == k).sum() + (Y == k).sum())).item() for k in present]
print(f'{len(rows)} examples, {X.shape[2:]} voxels, {len(present)} labels present: training-set mean Dice {np.mean(dice):.3f}')
torch.save(net.state_dict(), os.path.join(d, 'segmenter.pt'))
