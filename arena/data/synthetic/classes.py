"""The 19 Cityscapes trainIds by name: what every label pixel of a synthetic scene holds."""

(ROAD, SIDEWALK, BUILDING, WALL, FENCE, POLE, LIGHT, SIGN, VEGETATION, TERRAIN, SKY, PERSON, RIDER, CAR,
 TRUCK, BUS, TRAIN, MOTORCYCLE, BICYCLE) = range(19)
