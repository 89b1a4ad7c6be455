// D2L §20.2's DCGAN generator and discriminator built from tconv's Gluon layers (shared by models.mjs and networks.mjs).
//   net_G: G_block(64·8, strides 1, padding 0), G_block(64·4), G_block(64·2), G_block(64),
//          Conv2DTranspose(3, k4, s2, p1, use_bias=False), Activation("tanh");  G_block = Conv2DTranspose(k4, s2, p1,
//          use_bias=False) + BatchNorm + Activation("relu").  Noise [N,100,1,1] → [N,3,64,64].
//   net_D: four D_blocks (64, 128, 256, 512) = Conv2D(k4, s2, p1, use_bias=False) + BatchNorm + LeakyReLU(0.2),
//          then Conv2D(1, k4, use_bias=False).  [N,3,64,64] → [N,1,1,1].
// Older builds without BatchNorm / LeakyReLU (bench runs against earlier dist/ trees too) fall back to a relu activation.

/** The generator as one flat Sequential (conv, BatchNorm, relu, … so the layer list reads like the book's). */
export function dcganGenerator(nn) {
  const hasBatchNorm = typeof nn.BatchNorm === "function";
  const net = new nn.Sequential();
  const block = (channels, strides, padding) => {
    net.add(new nn.Conv2DTranspose(channels, { kernelSize: 4, strides, padding, useBias: false, ...(hasBatchNorm ? {} : { activation: "relu" }) }));
    if (hasBatchNorm) net.add(new nn.BatchNorm(), new nn.Activation("relu"));
  };
  block(64 * 8, 1, 0);
  block(64 * 4, 2, 1);
  block(64 * 2, 2, 1);
  block(64, 2, 1);
  net.add(new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, useBias: false }), new nn.Activation("tanh"));
  return net;
}

/** The discriminator as one flat Sequential. */
export function dcganDiscriminator(nn) {
  const hasBatchNorm = typeof nn.BatchNorm === "function",
    hasLeaky = typeof nn.LeakyReLU === "function";
  const net = new nn.Sequential();
  for (const channels of [64, 128, 256, 512]) {
    net.add(new nn.Conv2D(channels, { kernelSize: 4, strides: 2, padding: 1, useBias: false, ...(hasLeaky ? {} : { activation: "relu" }) }));
    if (hasBatchNorm) net.add(new nn.BatchNorm());
    if (hasLeaky) net.add(new nn.LeakyReLU(0.2));
  }
  net.add(new nn.Conv2D(1, { kernelSize: 4, useBias: false }));
  return net;
}

/** What the builders left out on this build, for the rows' notes ("" when nothing). */
export function dcganNote(nn) {
  return `${typeof nn.BatchNorm === "function" ? "" : "no BatchNorm in this build; "}${typeof nn.LeakyReLU === "function" ? "" : "ReLU for LeakyReLU; "}`;
}
