// Tensors owned by a module. A Parameter (or Buffer) lives as long as its module, never in a
// torch.scope, and keeps its identity when the module moves to another dtype or device: its
// storage is replaced in place (`setData_`, PyTorch's `param.data = …`), so optimizers and
// handles such as `linear.weight` stay valid. TorchSharp's Parameter moves the handle out of the
// tensor it is built from (`MoveHandle`); so does this one.
import { dtypeFromCode, type DType } from '../dtype.js';
import type { Device } from '../device.js';
import { native, type Handle } from '../native.js';
import { Tensor, isTensor } from '../tensor.js';

let detachId = -1;
let setDataId = -1;

/** A new libtorch tensor sharing `data`'s storage, cut from the autograd graph. */
function detachedHandle(data: Tensor): Handle {
  if (detachId < 0) detachId = native().lookupOp('aten::detach', '');
  return native().callOp(detachId, false, data.handle) as Handle;
}

/**
 * The base of Parameter and Buffer. Shape, dtype and device are read from libtorch on every
 * access (plain tensors cache them), because `setData_` may change all three.
 */
export abstract class ModuleTensor extends Tensor {
  /**
   * Takes over `data`: the new tensor shares its storage and `data` itself is disposed, unless it
   * is already a ModuleTensor, whose handle is shared instead (a tied weight).
   */
  constructor(data: Tensor) {
    if (!isTensor(data)) throw new TypeError(`nn.${new.target.name}: expected a Tensor, got ${describe(data)}`);
    super(detachedHandle(data));
    this.keep();
    if (!(data instanceof ModuleTensor)) data.dispose();
  }

  override get shape(): number[] {
    return native().meta(this.handle)[0];
  }
  override get dtype(): DType {
    return dtypeFromCode(native().meta(this.handle)[1]);
  }
  override get device(): Device {
    return native().meta(this.handle)[2];
  }
  override get ndim(): number {
    return native().meta(this.handle)[0].length;
  }

  /**
   * Replaces this tensor's storage, dtype, device and shape with `data`'s, keeping the object and
   * its requiresGrad (PyTorch's `param.data = data`). `data` is not consumed.
   */
  setData_(data: Tensor): this {
    if (setDataId < 0) setDataId = native().lookupOp('aten::set_data', '');
    native().callOp(setDataId, true, this.handle, data.handle);
    return this;
  }
}

/** A trainable tensor of a module: a leaf that requires grad unless told otherwise. */
export class Parameter extends ModuleTensor {
  readonly isParameter = true;
  constructor(data: Tensor, requiresGrad = true) {
    super(data);
    this.requiresGrad_(requiresGrad);
  }
}

/** A non-trainable tensor of a module, such as BatchNorm's `running_mean`. */
export class Buffer extends ModuleTensor {
  readonly isBuffer = true;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}
