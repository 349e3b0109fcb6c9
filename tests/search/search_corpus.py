"""A fixed corpus for search tests: creators, shops, products and videos written straight into the directory
(search reads only the directory), with filler around them so that ranking matters."""

from __future__ import annotations

from datetime import timedelta

from clipshop.accounts.models import PublicProfile
from clipshop.kit.everywhere import everywhere
from clipshop.platform import Platform
from clipshop.shop.public import PublicProduct, PublicShop
from clipshop.videos.models import PublicVideo, PublicVideoTag

CREATORS = {
    # handle: (display name, followers)
    "maya.makes": ("Maya Makes", 5200),
    "theo.cooks": ("Theo Cooks Dinner", 3100),
    "jo.skates": ("Jo on Wheels", 800),
    "ana.garden": ("Ana's Balcony Garden", 1500),
    "lena.lifts": ("Lena Lifts", 12000),
    "priya.paints": ("Priya Paints Watercolour", 900),
    "daan.bikes": ("Daan Fietst", 400),
    "tom.tech": ("Tom Reviews Gadgets", 20000),
    "sofia.style": ("Sofia Street Style", 7000),
    "kenji.ramen": ("Kenji Noodle Bar", 2600),
    "maja.knits": ("Maja Knits Slowly", 300),
}
SHOPS = {
    # handle: (name, currency, owner handle)
    "maya-supply": ("Maya Supply Co", "USD", "maya.makes"),
    "theo-kitchen": ("Theo's Kitchen Goods", "USD", "theo.cooks"),
    "sofia-closet": ("Sofia Closet", "EUR", "sofia.style"),
    "tom-gear": ("Gadget Garage", "USD", "tom.tech"),
}
PRODUCTS = {
    # key: (shop, title, description, price, in stock, ratings)
    "mug": ("maya-supply", "Speckled ceramic mug", "Hand-thrown stoneware mug, 350 ml", 2400, True, 40),
    "vase": (
        "maya-supply",
        "Bud vase in matte white",
        "Small porcelain vase for dried flowers",
        1800,
        True,
        12,
    ),
    "planter": ("maya-supply", "Terracotta planter", "Unglazed pot with drainage hole", 3200, False, 5),
    "knife": ("theo-kitchen", "Chef knife 8 inch", "Carbon steel blade, walnut handle", 8900, True, 80),
    "board": ("theo-kitchen", "Walnut cutting board", "End-grain board, oiled", 6500, True, 30),
    "wok": ("theo-kitchen", "Carbon steel wok", "Flat bottom wok for home stoves", 4500, True, 22),
    "apron": ("theo-kitchen", "Denim apron", "Heavy cotton apron with pockets", 3000, False, 3),
    "jacket": ("sofia-closet", "Oversized denim jacket", "Washed blue denim, unisex", 7900, True, 60),
    "scarf": ("sofia-closet", "Merino wool scarf", "Soft knitted scarf in oatmeal", 4900, True, 18),
    "sneakers": ("sofia-closet", "White leather sneakers", "Minimal low-top trainers", 11900, True, 95),
    "beret": ("sofia-closet", "Black wool beret", "Classic French beret", 2900, False, 7),
    "earbuds": (
        "tom-gear",
        "Wireless earbuds with noise cancelling",
        "Bluetooth 5.3, 30 h battery",
        12900,
        True,
        300,
    ),
    "charger": ("tom-gear", "Fast charger 65W", "USB-C GaN wall charger", 3900, True, 150),
    "tripod": ("tom-gear", "Phone tripod", "Flexible legs, bluetooth remote", 2500, True, 75),
    "keyboard": ("tom-gear", "Mechanical keyboard", "Hot-swappable switches, RGB backlight", 9900, False, 40),
}
VIDEOS = {
    # key: (creator, caption, likes, views)
    "pottery": ("maya.makes", "Throwing a speckled mug on the wheel #pottery #ceramics", 900, 12000),
    "glaze": ("maya.makes", "Glazing day, dipping bowls in celadon #ceramics #glaze", 300, 5000),
    "ramen": ("kenji.ramen", "Tonkotsu ramen broth simmered 12 hours #ramen #noodles", 2200, 40000),
    "udon": ("kenji.ramen", "Hand-pulled udon noodles from scratch #noodles", 700, 9000),
    "pasta": ("theo.cooks", "Fresh pasta carbonara in ten minutes #pasta #dinner", 1500, 22000),
    "stirfry": ("theo.cooks", "Weeknight stir fry in a carbon steel wok #wok #dinner", 600, 8000),
    "knife-skills": ("theo.cooks", "Knife skills: julienne carrots like a chef #knifeskills", 800, 15000),
    "kickflip": ("jo.skates", "Finally landed the kickflip at the skatepark #skateboarding", 1200, 30000),
    "rollerblade": ("jo.skates", "Rollerblading along the beach boardwalk #rollerblading", 200, 3000),
    "tomatoes": ("ana.garden", "Growing cherry tomatoes on a tiny balcony #gardening #tomatoes", 500, 7000),
    "succulents": ("ana.garden", "Propagating succulents from leaves #succulents #plants", 350, 6000),
    "deadlift": ("lena.lifts", "Deadlift form check, 140 kg #deadlift #gym", 3000, 60000),
    "squat": ("lena.lifts", "Squat warmup routine for mobility #squat #gym", 1100, 20000),
    "watercolour": ("priya.paints", "Watercolour sunset over the harbour #watercolor #painting", 650, 9000),
    "sketch": ("priya.paints", "Urban sketching in the old town #sketching", 150, 2000),
    "commute": ("daan.bikes", "Cargo bike commute through Amsterdam in the rain #cycling", 400, 5000),
    "unboxing": ("tom.tech", "Unboxing the new noise cancelling earbuds #unboxing #tech", 5000, 90000),
    "review": ("tom.tech", "Mechanical keyboard review after one month #keyboard #tech", 2500, 45000),
    "outfit": ("sofia.style", "Three ways to style a denim jacket #ootd #fashion", 4000, 70000),
    "thrift": ("sofia.style", "Thrift haul: vintage leather boots #thrifting #fashion", 1800, 25000),
    "knitting": ("maja.knits", "Knitting a chunky wool scarf for winter #knitting", 120, 1500),
    "croissant": ("theo.cooks", "Laminating dough for butter croissants #baking", 2000, 35000),
    "sourdough": ("ana.garden", "My sourdough starter is finally alive #sourdough #baking", 900, 11000),
}
FILLER_WORDS = [
    "morning",
    "routine",
    "vlog",
    "day",
    "life",
    "city",
    "walk",
    "coffee",
    "rain",
    "light",
    "weekend",
    "friends",
    "music",
    "dance",
    "trend",
    "sunset",
    "travel",
    "beach",
    "cat",
    "dog",
    "funny",
    "tips",
    "quick",
    "easy",
    "best",
    "new",
    "home",
    "room",
    "tour",
    "desk",
    "setup",
]


def build_corpus(platform: Platform) -> dict[str, str]:
    """Write the corpus; returns the id of every named item (creators by handle, shops by handle, products
    and videos by key)."""
    now = platform.clock.now()
    ids: dict[str, str] = {}
    with everywhere(platform.databases).transaction() as uow:
        db = uow.directory
        for n, (handle, (name, followers)) in enumerate(CREATORS.items()):
            ids[handle] = f"us_creator{n:03d}"
            db.add(
                PublicProfile(
                    user_id=ids[handle],
                    region="us",
                    handle=handle,
                    display_name=name,
                    bio="",
                    follower_count=followers,
                    following_count=0,
                    video_count=0,
                    like_count=0,
                    created_at=now,
                )
            )
        for n, (handle, (name, currency, owner)) in enumerate(SHOPS.items()):
            ids[handle] = f"us_shop{n:03d}"
            db.add(
                PublicShop(
                    id=ids[handle],
                    region="us",
                    owner_id=ids[owner],
                    handle=handle,
                    name=name,
                    description="",
                    currency=currency,
                    created_at=now,
                )
            )
        for n, (key, (shop, title, description, price, in_stock, ratings)) in enumerate(PRODUCTS.items()):
            ids[key] = f"us_product{n:03d}"
            db.add(
                PublicProduct(
                    id=ids[key],
                    shop_id=ids[shop],
                    region="us",
                    title=title,
                    description=description,
                    currency=SHOPS[shop][1],
                    price_min=price,
                    price_max=price,
                    images=[],
                    commission_bp=0,
                    in_stock=in_stock,
                    rating_sum=ratings * 4,
                    rating_count=ratings,
                    search_text=f"{title} {description}".lower(),
                    updated_at=now,
                )
            )
        videos = {
            key: (creator, caption, likes, views) for key, (creator, caption, likes, views) in VIDEOS.items()
        }
        handles = list(CREATORS)
        for n in range(150):
            words = [FILLER_WORDS[(n * 7 + k * 11) % len(FILLER_WORDS)] for k in range(5)]
            videos[f"filler{n}"] = (
                handles[n % len(handles)],
                " ".join(words) + f" #{words[0]}",
                n % 40,
                n * 10,
            )
        for n, (key, (creator, caption, likes, views)) in enumerate(videos.items()):
            ids[key] = f"us_video{n:04d}"
            tags = [w[1:].lower() for w in caption.split() if w.startswith("#")]
            at = now - timedelta(hours=n)
            db.add(
                PublicVideo(
                    id=ids[key],
                    region="us",
                    creator_id=ids[creator],
                    caption=caption,
                    hashtags=" ".join(tags),
                    duration_s=10.0,
                    width=720,
                    height=1280,
                    master_url=f"/media/us/videos/{ids[key]}/m",
                    published_at=at,
                    like_count=likes,
                    comment_count=0,
                    share_count=0,
                    view_count=views,
                    complete_count=0,
                    hot_score=float(likes),
                )
            )
            db.flush()
            for tag in tags:
                db.add(PublicVideoTag(tag=tag, video_id=ids[key], published_at=at))
    return ids
