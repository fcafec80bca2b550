// Bottleneck ResNets (He et al. 2016; ResNet-50 = [3, 4, 6, 3] blocks, ResNet-152 = [3, 8, 36, 3]) as
// per-block kernel lists, in the v1.5 form (stride on the 3×3 convolution).
//
// A convolution is an implicit GEMM: 2·K²·C_in·C_out·H_out·W_out FLOPs per image, moving its input, its
// weights and its output once. Batch norm (training mode: statistics, then normalise) reads its input
// twice and writes once; ReLU and residual adds are element-wise. Activations kept for the backward pass,
// as PyTorch's autograd keeps them with torchvision's in-place ReLUs: each norm's input (the convolution's
// output) and each ReLU's output, which is also the next convolution's saved input, so one tensor per
// convolution plus one per ReLU; a residual add keeps nothing. (Counting the convolution's input apart
// from the ReLU output before it counted that tensor twice and refused ResNet-50 in FP32 at a batch of
// 256 on a 32 GB V100, which Zeus trained, S40.)
#include <cmath>
#include <string>

#include "workload/layer_builder.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

namespace {

struct Shape {
  double channels, size;  // square feature maps
};

class ResNetBuilder {
 public:
  ResNetBuilder(Workload& w, double batch, double e, bool sparse)
      : w_(w), b_(batch), e_(e), sparse_(sparse) {}

  // conv + batch norm (+ ReLU); returns the output shape.
  Shape conv_bn(LayerBuilder& L, const std::string& name, Shape in, double out_channels, double kernel,
                double stride, bool relu) {
    const Shape out{out_channels, std::ceil(in.size / stride)};
    const double m = b_ * out.size * out.size;  // GEMM rows: output pixels
    const double k = kernel * kernel * in.channels;
    L.weight_gemm(name + ".conv", m, k, out.channels);
    const double elements = m * out.channels;
    L.vector(name + ".bn", KernelKind::Reduction, elements, 2, 1, 6);
    L.add_parameters(2.0 * out.channels, false);
    if (relu) L.vector(name + ".relu", KernelKind::Elementwise, elements, 1, 1, 1);
    block_activation_ += (relu ? 2.0 : 1.0) * elements * e_;
    return out;
  }

  Shape bottleneck(int index, Shape in, double width, double stride) {
    Shape x = block(index, in, width, stride);
    // Recomputation keeps only the block input.
    Layer& layer = w_.layers.back();
    layer.activation_bytes[0] = layer.activation_bytes[1] = block_activation_;
    layer.activation_bytes[2] = b_ * in.size * in.size * in.channels * e_;
    block_activation_ = 0;
    return x;
  }

  Shape block(int index, Shape in, double width, double stride) {
    LayerBuilder L(w_, "block." + std::to_string(index), e_, 1, sparse_);
    const double out_channels = 4.0 * width;
    Shape x = conv_bn(L, "conv1", in, width, 1, 1, true);
    x = conv_bn(L, "conv2", x, width, 3, stride, true);
    x = conv_bn(L, "conv3", x, out_channels, 1, 1, false);
    if (stride != 1 || in.channels != out_channels)
      conv_bn(L, "downsample", in, out_channels, 1, stride, false);
    // Backward: the ReLU's mask on the gradient, which both branches then share: gradient, output, one write.
    L.vector("residual.relu", KernelKind::Elementwise, b_ * x.size * x.size * x.channels, 2, 1, 2, 3);
    block_activation_ += b_ * x.size * x.size * x.channels * e_;  // the block's output, after its ReLU
    return x;
  }

 private:
  Workload& w_;
  double b_, e_;
  bool sparse_;
  double block_activation_ = 0;
};

Workload build_resnet(const ModelSpec& m, const MicrobatchShape& shape) {
  const double e = shape.bytes_per_element;
  const double b = shape.micro_batch;
  Workload w;
  w.samples_per_microbatch = b;
  w.tokens_per_sample = 1;
  ResNetBuilder net(w, b, e, shape.structured_sparsity);
  Shape x{3, static_cast<double>(m.image_size)};
  {
    LayerBuilder L(w, "stem", e);
    x = net.conv_bn(L, "conv", x, m.base_width, 7, 2, true);
    x.size = std::ceil(x.size / 2);  // 3×3 max pool, stride 2
    L.vector("maxpool", KernelKind::Reduction, b * x.size * x.size * x.channels, 4, 1, 9,
             3);  // backward: gradient and argmax in, one scatter out
  }
  int block = 0;
  for (std::size_t stage = 0; stage < m.stage_blocks.size(); ++stage) {
    const double width = m.base_width * static_cast<double>(1 << stage);
    for (int i = 0; i < m.stage_blocks[stage]; ++i)
      x = net.bottleneck(block++, x, width, (i == 0 && stage > 0) ? 2.0 : 1.0);
  }
  {
    LayerBuilder L(w, "head", e);
    L.vector("avgpool", KernelKind::Reduction, b * x.size * x.size * x.channels, 1, 0, 1);
    L.weight_gemm("fc", b, x.channels, m.classes);
    L.add_parameters(m.classes, false);
    L.vector("loss.cross_entropy", KernelKind::Reduction, b * m.classes, 1, 1, 5);
  }
  w.finalize();
  return w;
}

}  // namespace

void register_resnet_family(ModelFamilyRegistry& registry) {
  registry.add({"resnet", "bottleneck ResNet (v1.5) image classifier: implicit-GEMM convolutions, batch norm",
                build_resnet,
                [](const ModelSpec& m) {
                  MicrobatchShape shape;
                  return build_resnet(m, shape).parameters;
                },
                "image"});
}

}  // namespace wattsim
