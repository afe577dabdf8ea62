// Activation functions by the names checkpoints' configs use (`hidden_act`).
import * as torch from '../torch/index.js';

type Tensor = torch.Tensor;

/** x · sigmoid(1.702 x): OpenAI CLIP's GELU approximation. */
export const quickGelu = (x: Tensor): Tensor => torch.F.quickGelu(x);

const byName: Record<string, (x: Tensor) => Tensor> = {
  quick_gelu: quickGelu,
  gelu: (x) => torch.F.gelu(x),
  gelu_new: (x) => torch.F.gelu(x, 'tanh'),
  gelu_pytorch_tanh: (x) => torch.F.gelu(x, 'tanh'),
  relu: (x) => torch.F.relu(x),
  silu: (x) => torch.F.silu(x),
};

export const activationNames = Object.keys(byName);

export function activation(name: string): (x: Tensor) => Tensor {
  const fn = byName[name];
  if (!fn) throw new TypeError(`unknown activation '${name}'; known: ${activationNames.join(', ')}`);
  return fn;
}
