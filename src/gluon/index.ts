// The `nn` and `gluon` namespaces: layers, containers and parameters with Gluon's names.
import "../methods.js";
import { Block, Sequential } from "./block.js";
import { Parameter, ParameterDict } from "./parameter.js";
import { Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose } from "./conv-layers.js";
import { loss } from "./loss.js";
import { Trainer } from "./trainer.js";

export const nn = { Block, Sequential, Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose, Conv3DTranspose };
export const gluon = { nn, Parameter, ParameterDict, loss, Trainer };
