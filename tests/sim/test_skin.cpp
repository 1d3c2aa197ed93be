#include <gtest/gtest.h>

#include "smp/sim/skin.h"

namespace smp::sim {
namespace {

TEST(Skin, LayerNames) {
  EXPECT_EQ(layer_name(Layer::kEpidermis), "epidermis");
  EXPECT_EQ(layer_name(Layer::kPapillaryDermis), "papillary_dermis");
  EXPECT_EQ(layer_name(Layer::kReticularDermis), "reticular_dermis");
  EXPECT_EQ(layer_name(Layer::kSubcutis), "subcutis");
}

TEST(Skin, DefaultsFollowDomainHistology) {
  // domain.md "Skin layers": epidermis 0.06-0.10, papillary 0.25-0.40, reticular 1.2-1.6,
  // subcutis 3-5 mm; whole scalp skin 1.71 +/- 0.41 mm (ultrasound).
  const SkinLayersMm l;
  EXPECT_GE(l.epidermis_mm, 0.06);
  EXPECT_LE(l.epidermis_mm, 0.10);
  EXPECT_GE(l.papillary_mm, 0.25);
  EXPECT_LE(l.papillary_mm, 0.40);
  EXPECT_GE(l.reticular_mm, 1.2);
  EXPECT_LE(l.reticular_mm, 1.6);
  EXPECT_NEAR(l.dermis_bottom_mm(), 1.71, 0.41);
}

TEST(Skin, LayerAtDepthDefaultScalp) {
  const SkinLayersMm l;  // 0.08 / 0.32 / 1.40 / 4.0
  EXPECT_EQ(layer_at_depth(l, -0.1), Layer::kEpidermis);
  EXPECT_EQ(layer_at_depth(l, 0.0), Layer::kEpidermis);
  EXPECT_EQ(layer_at_depth(l, 0.05), Layer::kEpidermis);
  EXPECT_EQ(layer_at_depth(l, 0.079), Layer::kEpidermis);
  EXPECT_EQ(layer_at_depth(l, 0.08), Layer::kPapillaryDermis);  // a boundary belongs below
  EXPECT_EQ(layer_at_depth(l, 0.25), Layer::kPapillaryDermis);
  EXPECT_EQ(layer_at_depth(l, 0.399), Layer::kPapillaryDermis);
  EXPECT_EQ(layer_at_depth(l, 0.40), Layer::kReticularDermis);
  EXPECT_EQ(layer_at_depth(l, 1.5), Layer::kReticularDermis);
  EXPECT_EQ(layer_at_depth(l, 1.80), Layer::kSubcutis);
  EXPECT_EQ(layer_at_depth(l, 3.0), Layer::kSubcutis);
  EXPECT_EQ(layer_at_depth(l, 50.0), Layer::kSubcutis);  // beyond the fat is still fat
}

TEST(Skin, LayerAtDepthFollowsCustomLayers) {
  SkinLayersMm thin;  // a balding crown with thin dermis
  thin.epidermis_mm = 0.06;
  thin.papillary_mm = 0.25;
  thin.reticular_mm = 0.9;
  EXPECT_EQ(layer_at_depth(thin, 0.07), Layer::kPapillaryDermis);
  EXPECT_EQ(layer_at_depth(thin, 0.35), Layer::kReticularDermis);
  EXPECT_EQ(layer_at_depth(thin, 1.3), Layer::kSubcutis);
}

TEST(Skin, ScarScalesDermisOnly) {
  SkinSample s;
  EXPECT_EQ(effective_layers(s).papillary_mm, s.layers.papillary_mm);
  EXPECT_DOUBLE_EQ(s.stiffness(), 1.0);
  EXPECT_DOUBLE_EQ(s.uptake(), 1.0);
  s.scar = true;
  const SkinLayersMm e = effective_layers(s);
  EXPECT_DOUBLE_EQ(e.epidermis_mm, s.layers.epidermis_mm);
  EXPECT_DOUBLE_EQ(e.papillary_mm, s.layers.papillary_mm * 0.85);
  EXPECT_DOUBLE_EQ(e.reticular_mm, s.layers.reticular_mm * 0.85);
  EXPECT_DOUBLE_EQ(e.subcutis_mm, s.layers.subcutis_mm);
  EXPECT_GT(s.stiffness(), 1.0);
  EXPECT_LT(s.uptake(), 1.0);
  // A depth in the normal reticular dermis is already fat under a thin scar.
  EXPECT_EQ(layer_at_depth(s.layers, 1.7), Layer::kReticularDermis);
  EXPECT_EQ(layer_at_depth(e, 1.7), Layer::kSubcutis);
}

}  // namespace
}  // namespace smp::sim
